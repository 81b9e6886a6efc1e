Feature: Policy-based IPsec on SEIL: tunnel-mode ESP for the traffic its security policies select
  SEIL's other IPsec form (seil2recipe's `ipsec security-association add SA tunnel SRC DST` with
  `ipsec security-policy add SP security-association SA src PREFIX dst PREFIX`): no ipsec0, a
  route to the far LAN via the peer, and tunnel-mode ESP whose phase-2 IDs are the policy's
  selectors. Two branch SEILs, LAN to LAN.

  Background:
    Given the router "a" is a "seil" with configuration:
      """
      hostname "branch-a"
      interface lan0 add 10.1.0.1/24
      interface lan1 add 10.0.0.1/24
      route add 10.2.0.0/24 10.0.0.2
      ike preshared-key add "10.0.0.2" "policy-key"
      ike proposal add p1 encryption aes hash sha1 authentication preshared-key dh-group modp1024 lifetime-of-time 1h
      ike peer add b address 10.0.0.2 exchange-mode main proposals p1
      ipsec security-association proposal add p2 authentication-algorithm hmac-sha1 encryption-algorithm aes lifetime-of-time 30m
      ipsec security-association add sa tunnel 10.0.0.1 10.0.0.2 ike p2 esp enable
      ipsec security-policy add lan security-association sa src 10.1.0.0/24 dst 10.2.0.0/24
      """
    And the router "b" is a "seil" with configuration:
      """
      hostname "branch-b"
      interface lan0 add 10.2.0.1/24
      interface lan1 add 10.0.0.2/24
      route add 10.1.0.0/24 10.0.0.1
      ike preshared-key add "10.0.0.1" "policy-key"
      ike proposal add p1 encryption aes hash sha1 authentication preshared-key dh-group modp1024 lifetime-of-time 1h
      ike peer add a address 10.0.0.1 exchange-mode main proposals p1
      ipsec security-association proposal add p2 authentication-algorithm hmac-sha1 encryption-algorithm aes lifetime-of-time 30m
      ipsec security-association add sa tunnel lan1 10.0.0.1 ike p2 esp enable
      ipsec security-policy add lan security-association sa src 10.2.0.0/24 dst 10.1.0.0/24
      """
    And the host "pc-a" at 10.1.0.10/24 with gateway 10.1.0.1
    And the host "pc-b" at 10.2.0.10/24 with gateway 10.2.0.1

  Scenario: The LANs reach each other through tunnel-mode ESP
    When pc-a pings 10.2.0.10 5 times after 10 seconds
    And pc-b pings 10.1.0.10 5 times after 20 seconds
    And the lab runs for 1 minute
    Then the a log contains "IPsec-SA established: ESP/Tunnel 10.0.0.2->10.0.0.1"
    And the b log contains "IPsec-SA established: ESP/Tunnel 10.0.0.1->10.0.0.2"
    And the decrypted Quick Mode IDs are 10.1.0.0/24 and 10.2.0.0/24
    And ESP packets cross the WAN link with correct ICVs and ICMP inside
    And the pings from pc-a to 10.2.0.10 succeed
    And the pings from pc-b to 10.1.0.10 succeed
    And the diagnosis is empty

  Scenario: A /25 in b's security policy: the diagnosis points at that line
    Given in the b configuration "dst 10.1.0.0/24" is replaced by "dst 10.1.0.0/25"
    When pc-a pings 10.2.0.10 3 times after 10 seconds
    And the lab runs for 1 minute
    Then the ping from pc-a to 10.2.0.10 fails
    And the diagnosis finds phase2_id_prefix_differs
    And the diagnosis shows "10.1.0.0/24" against "10.1.0.0/25"
    And the fix is on b at "b.conf:10"
    And the fix changes "dst 10.1.0.0/25" to "dst 10.1.0.0/24"
    And no fix is offered on a

  Scenario: b limits its policy to TCP port 80 on a's side: the IDs differ in protocol and port
    Given in the b configuration "security-association sa src 10.2.0.0/24 dst 10.1.0.0/24" is replaced by "security-association sa protocol tcp src 10.2.0.0/24 dst 10.1.0.0/24 dstport 80"
    When pc-a pings 10.2.0.10 3 times after 10 seconds
    And the lab runs for 1 minute
    Then the ping from pc-a to 10.2.0.10 fails
    And the diagnosis finds phase2_id_protocol_differs
    And the diagnosis shows "10.1.0.0/24[6/80]" against "10.1.0.0/24 (subnet"
    And the fix is on b at "b.conf:10"
    And the fix changes "protocol tcp src 10.2.0.0/24 dst 10.1.0.0/24 dstport 80" to "sa src 10.2.0.0/24 dst 10.1.0.0/24"
    And a fix is offered on a at "a.conf:10"
    And the fix changes "sa src 10.1.0.0/24 dst 10.2.0.0/24" to "dst 10.2.0.0/24 protocol 6 srcport 80"
