@netns @serial
Feature: The document's cases on real interfaces
  The same routers in Linux network namespaces, with real frames, real time and the real ping
  command (needs root; left out, with a message, where there is none).

  Scenario: Before the fix, in network namespaces
    Given the SEIL configuration "proxy-id-mismatch/seil.conf"
    And the IX configuration "proxy-id-mismatch/ix.conf"
    When SEIL initiates the tunnel
    And host-a pings 192.168.1.10 3 times after 6 seconds
    And the lab runs in network namespaces for 15 seconds
    Then the SEIL log contains "received INVALID-ID-INFORMATION notification from 172.16.0.2[500]"
    And the IX log contains "IKE.043: IPsec configuration not found"
    And the capture has an ISAKMP Quick Mode message of 172 bytes from 172.16.0.1
    And the decrypted Quick Mode IDs are 0.0.0.0/0 and 0.0.0.0/0
    And no ESP packet crosses the WAN link
    And the ping from host-a to host-b fails

  Scenario: After the fix, in network namespaces
    Given the SEIL configuration "proxy-id-fixed/seil.conf"
    And the IX configuration "proxy-id-fixed/ix.conf"
    When SEIL initiates the tunnel
    And host-a pings 192.168.1.10 3 times after 6 seconds
    And the lab runs in network namespaces for 12 seconds
    Then the SEIL log contains "IPsec-SA established: ESP/Transport 172.16.0.2->172.16.0.1"
    And the IX log contains "IKE.002: Finish IKE phase 2 negotiation, destination 172.16.0.1"
    And the capture has an ISAKMP Quick Mode message of 156 bytes from 172.16.0.1
    And every ISAKMP message in the capture decrypts
    And ESP packets cross the WAN link with correct ICVs and ICMP inside
    And the ping from host-a to host-b succeeds
