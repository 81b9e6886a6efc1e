Feature: A policy-based SEIL against an IX's route-based tunnel, in tunnel mode
  The LAN-to-LAN pairing met most in the field: SEIL's `ipsec security-policy` selects
  10.1.0.0/24 -> 10.2.0.0/24 and proposes tunnel mode with those subnets as phase-2 IDs; the IX
  routes the far LAN into Tunnel0.0 and its access list names the same two LANs (no
  `ipsec local-id`/`remote-id`). The IX proposes tunnel mode itself when it starts, and answers
  either mode.

  Background:
    Given the router "seil" is a "seil" with configuration:
      """
      hostname "branch-a"
      interface lan0 add 10.1.0.1/24
      interface lan1 add 10.0.0.1/24
      route add 10.2.0.0/24 10.0.0.2
      ike preshared-key add "10.0.0.2" "lan-to-lan"
      ike proposal add p1 encryption aes hash sha1 authentication preshared-key dh-group modp1024 lifetime-of-time 1h
      ike peer add ix address 10.0.0.2 exchange-mode main proposals p1
      ipsec security-association proposal add p2 authentication-algorithm hmac-sha1 encryption-algorithm aes lifetime-of-time 30m
      ipsec security-association add sa tunnel 10.0.0.1 10.0.0.2 ike p2 esp enable
      ipsec security-policy add lans security-association sa src 10.1.0.0/24 dst 10.2.0.0/24
      """
    And the router "ix" is a "ix" with configuration:
      """
      hostname "branch-b"
      ip route 10.1.0.0/24 Tunnel0.0
      ip access-list lans permit ip src 10.2.0.0/24 dest 10.1.0.0/24
      ike proposal p1 encryption aes hash sha group 1024-bit lifetime 3600
      ike policy seil peer 10.0.0.1 key lan-to-lan p1
      ipsec autokey-proposal p2 esp-aes esp-sha lifetime time 1800
      ipsec autokey-map vpn lans peer 10.0.0.1 p2
      interface GigaEthernet0.0
        ip address 10.0.0.2/24
        no shutdown
      interface GigaEthernet1.0
        ip address 10.2.0.1/24
        no shutdown
      interface Tunnel0.0
        tunnel mode ipsec
        ip unnumbered GigaEthernet1.0
        ipsec policy tunnel vpn out
        no shutdown
      """
    And the host "pc-a" at 10.1.0.10/24 with gateway 10.1.0.1
    And the host "pc-b" at 10.2.0.10/24 with gateway 10.2.0.1

  Scenario: SEIL starts; the LANs reach each other through tunnel-mode ESP
    When pc-a pings 10.2.0.10 5 times after 10 seconds
    And pc-b pings 10.1.0.10 5 times after 20 seconds
    And the lab runs for 1 minute
    Then the seil log contains "IPsec-SA established: ESP/Tunnel 10.0.0.2->10.0.0.1"
    And the seil log contains "IPsec-SA established: ESP/Tunnel 10.0.0.1->10.0.0.2"
    And the decrypted Quick Mode IDs are 10.1.0.0/24 and 10.2.0.0/24
    And ESP packets cross the WAN link with correct ICVs and ICMP inside
    And the pings from pc-a to 10.2.0.10 succeed
    And the pings from pc-b to 10.1.0.10 succeed
    And the diagnosis is empty

  Scenario: The IX starts on traffic from its LAN and proposes tunnel mode
    Given in the seil configuration "proposals p1" is replaced by "proposals p1 responder-only on"
    When pc-b pings 10.1.0.10 5 times after 10 seconds
    And the lab runs for 1 minute
    Then the seil log contains "respond new phase 1 negotiation"
    And the seil log contains "IPsec-SA established: ESP/Tunnel 10.0.0.1->10.0.0.2"
    And the decrypted Quick Mode IDs are 10.2.0.0/24 and 10.1.0.0/24
    And ESP packets cross the WAN link with correct ICVs and ICMP inside
    And the first ping from pc-b to 10.1.0.10 starts the negotiation and the rest succeed
    And the diagnosis is empty

  Scenario: SEIL's security policy names a /25: the IX refuses, and the fix is SEIL's policy line
    Given in the seil configuration "dst 10.2.0.0/24" is replaced by "dst 10.2.0.0/25"
    When pc-a pings 10.2.0.10 3 times after 10 seconds
    And the lab runs for 1 minute
    Then the ping from pc-a to 10.2.0.10 fails
    And the ix log contains "IKE.043"
    And the capture has an INVALID-ID-INFORMATION notification from 10.0.0.2
    And the seil log contains "received INVALID-ID-INFORMATION notification from 10.0.0.2[500]"
    And the diagnosis finds phase2_id_prefix_differs
    And the diagnosis shows "10.2.0.0/24" against "10.2.0.0/25"
    And the fix is on seil at "seil.conf:10"
    And the fix changes "dst 10.2.0.0/25" to "dst 10.2.0.0/24"
