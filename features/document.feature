Feature: The SEIL release note on the IKE phase-2 ID (proxy-id)
  A SEIL and an NEC IX2015 agree on every algorithm, yet phase 2 fails: SEIL sends
  0.0.0.0/0 as its phase-2 IDs and the IX only knows 172.16.0.2 <-> 172.16.0.1.
  Setting proxy-id-local and proxy-id-remote on SEIL fixes it.

  Scenario: Before the fix, the IX refuses SEIL's phase-2 IDs
    Given the SEIL configuration "proxy-id-mismatch/seil.conf"
    And the IX configuration "proxy-id-mismatch/ix.conf"
    When SEIL initiates the tunnel
    And host-a pings 192.168.1.10 5 times after 10 seconds
    And the lab runs for 2 minutes
    Then the SEIL log contains "ISAKMP-SA established 172.16.0.1[500]-172.16.0.2[500]"
    And the SEIL log contains "received INVALID-ID-INFORMATION notification from 172.16.0.2[500]"
    And the IX log contains "IKE.043: IPsec configuration not found"
    And the IX log contains "IKE.007: Send notification data to 172.16.0.1, type 18:INVALID-ID-INFORMATION, protocol ISAKMP"
    And the IX log contains "IKE.045: Receive payload, type 5:ID, length 16"
    And the capture has an ISAKMP Quick Mode message of 172 bytes from 172.16.0.1
    And the capture has an ISAKMP Informational message of 92 bytes from 172.16.0.1
    And the decrypted Quick Mode IDs are 0.0.0.0/0 and 0.0.0.0/0
    And the capture has a INVALID-ID-INFORMATION notification from 172.16.0.2
    And every ISAKMP message in the capture decrypts
    And no ESP packet crosses the WAN link
    And SEIL has 0 IPsec SA pairs
    And the ping from host-a to host-b fails
    And the diagnosis says "proxy-id-local 172.16.0.1 proxy-id-remote 172.16.0.2"

  Scenario: After the fix, the SAs come up and pings cross ESP
    Given the SEIL configuration "proxy-id-fixed/seil.conf"
    And the IX configuration "proxy-id-fixed/ix.conf"
    When SEIL initiates the tunnel
    And host-a pings 192.168.1.10 5 times after 10 seconds
    And the lab runs for 1 minutes
    Then the SEIL log contains "IPsec-SA established: ESP/Transport 172.16.0.2->172.16.0.1"
    And the SEIL log contains "IPsec-SA established: ESP/Transport 172.16.0.1->172.16.0.2"
    And the SEIL log does not contain "INVALID-ID-INFORMATION"
    And the IX log does not contain "INVALID-ID-INFORMATION"
    And the IX log contains "IKE.002: Finish IKE phase 2 negotiation, destination 172.16.0.1"
    And the capture has an ISAKMP Quick Mode message of 156 bytes from 172.16.0.1
    And the capture has an ISAKMP Quick Mode message of 156 bytes from 172.16.0.2
    And the capture has an ISAKMP Quick Mode message of 60 bytes from 172.16.0.1
    And the decrypted Quick Mode IDs are 172.16.0.1 and 172.16.0.2
    And every ISAKMP message in the capture decrypts
    And ESP packets cross the WAN link with correct ICVs and ICMP inside
    And SEIL has 1 IPsec SA pair
    And IX has 1 IPsec SA pair
    And the ping from host-a to host-b succeeds

  Scenario: The operator applies the fix to a running SEIL
    Given the SEIL configuration "proxy-id-reconfigure/seil.conf"
    And the IX configuration "proxy-id-reconfigure/ix.conf"
    When SEIL initiates the tunnel
    And after 60 seconds the operator applies the SEIL configuration "proxy-id-reconfigure/seil-fixed.conf"
    And host-a pings 192.168.1.10 5 times after 80 seconds
    And the lab runs for 2 minutes
    Then the SEIL log contains, in order:
      """
      received INVALID-ID-INFORMATION notification from 172.16.0.2[500]
      send INITIAL-CONTACT notification to172.16.0.2[500]
      IPsec-SA established: ESP/Transport 172.16.0.2->172.16.0.1
      info system Security Association Database Initialized.
      send IPsec-SA delete information to 172.16.0.2[500]
      info system Security Policy Database Initialized.
      initiate new phase 2 negotiation: 172.16.0.1<=>172.16.0.2
      IPsec-SA established: ESP/Transport 172.16.0.1->172.16.0.2
      """
    And the IX log contains, in order:
      """
      IKE.014: Receive delete information, protocol ESP
      IKE.012: Send delete information, protocol ESP
      IKE.005: Send packet to 172.16.0.1, length 76
      IKE.002: Finish IKE phase 2 negotiation, destination 172.16.0.1
      """
    And the capture has an ISAKMP Informational message of 76 bytes from 172.16.0.1
    And the ping from host-a to host-b succeeds
