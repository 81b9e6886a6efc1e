Feature: A re-addressed lab, and the mistakes students make on either router
  Two branch routers of our own: a SEIL (branch-a, LAN 10.1.0.0/24) and an NEC IX (branch-b,
  LAN 10.2.0.0/24) over a WAN 10.0.0.0/24, with our own pre-shared key and subnet-to-subnet
  phase-2 IDs (your-lab/seil.conf and your-lab/ix.conf). Each scenario makes one mistake the
  way a student would, on one router or the other, and checks that the diagnosis names what
  differs, the router to change and the line to change, in that router's own commands.

  Background:
    Given the SEIL configuration "your-lab/seil.conf"
    And the IX configuration "your-lab/ix.conf"
    And the host "pc-a" at 10.1.0.10/24 with gateway 10.1.0.1
    And the host "pc-b" at 10.2.0.10/24 with gateway 10.2.0.1

  Scenario: The lab as built carries pings both ways and the diagnosis is empty
    When pc-a pings 10.2.0.10 5 times after 10 seconds
    And pc-b pings 10.1.0.10 5 times after 20 seconds
    And the lab runs for 1 minute
    Then the pings from pc-a to 10.2.0.10 succeed
    And the pings from pc-b to 10.1.0.10 succeed
    And ESP packets cross the WAN link with correct ICVs and ICMP inside
    And the diagnosis is empty

  Scenario: SEIL's proxy-ids are the wrong way round
    Given in the SEIL configuration "proxy-id-local 10.1.0.0/24 proxy-id-remote 10.2.0.0/24" is replaced by "proxy-id-local 10.2.0.0/24 proxy-id-remote 10.1.0.0/24"
    When pc-a pings 10.2.0.10 3 times after 10 seconds
    And the lab runs for 1 minute
    Then the ping from pc-a to 10.2.0.10 fails
    And the diagnosis finds phase2_ids_swapped
    And the diagnosis says "the local and remote IDs are the other way round"
    And the diagnosis shows "10.2.0.0/24" against "10.1.0.0/24"
    And the fix is on seil at "seil.conf:11"
    And the fix changes "proxy-id-local 10.2.0.0/24 proxy-id-remote 10.1.0.0/24" to "proxy-id-local 10.1.0.0/24 proxy-id-remote 10.2.0.0/24"
    And no fix is offered on ix

  Scenario: The IX expects a /25 where SEIL sends its whole /24
    Given in the IX configuration "ipsec remote-id vpn 10.1.0.0/24" is replaced by "ipsec remote-id vpn 10.1.0.0/25"
    When pc-a pings 10.2.0.10 3 times after 10 seconds
    And the lab runs for 1 minute
    Then the diagnosis finds phase2_id_prefix_differs
    And the diagnosis shows "10.1.0.0/24" against "10.1.0.0/25"
    And the fix is on ix at "ix.conf:9"
    And the fix changes "ipsec remote-id vpn 10.1.0.0/25" to "ipsec remote-id vpn 10.1.0.0/24"
    And no fix is offered on seil

  Scenario: SEIL sends its own address as a host ID where the IX expects the subnet
    Given in the SEIL configuration "proxy-id-local 10.1.0.0/24" is replaced by "proxy-id-local 10.1.0.1"
    When pc-a pings 10.2.0.10 3 times after 10 seconds
    And the lab runs for 1 minute
    Then the diagnosis finds phase2_id_type_differs
    And the diagnosis says "seil has a host ID (ID_IPV4_ADDR) where ix has a subnet"
    And the diagnosis shows "10.1.0.1 (host, ID_IPV4_ADDR)" against "10.1.0.0/24 (subnet, ID_IPV4_ADDR_SUBNET)"
    And the fix is on seil at "seil.conf:11"
    And a fix is offered on ix at "ix.conf:9"

  Scenario: SEIL has no proxy-id, so it sends 0.0.0.0/0 (the document's mistake, re-addressed)
    Given in the SEIL configuration " proxy-id-local 10.1.0.0/24 proxy-id-remote 10.2.0.0/24" is replaced by ""
    When pc-a pings 10.2.0.10 3 times after 10 seconds
    And the lab runs for 1 minute
    Then the diagnosis finds phase2_id_any_on_one_side
    And the diagnosis says "seil has 0.0.0.0/0 where ix names addresses"
    And the fix is on seil at "seil.conf:11"
    And the fix changes "esp enable" to "proxy-id-local 10.1.0.0/24 proxy-id-remote 10.2.0.0/24"
    And a fix is offered on ix at "ix.conf:8"

  Scenario: SEIL sends host IDs, the IX has no IDs of its own (its access list allows any)
    Given in the SEIL configuration "proxy-id-local 10.1.0.0/24 proxy-id-remote 10.2.0.0/24" is replaced by "proxy-id-local 10.1.0.1 proxy-id-remote 10.2.0.1"
    And in the IX configuration "ipsec local-id vpn 10.2.0.0/24" is replaced by ""
    And in the IX configuration "ipsec remote-id vpn 10.1.0.0/24" is replaced by ""
    When pc-a pings 10.2.0.10 3 times after 10 seconds
    And the lab runs for 1 minute
    Then the diagnosis finds phase2_id_any_on_one_side
    And the diagnosis says "ix has 0.0.0.0/0 where seil names addresses"
    And the fix is on ix at "ix.conf:7"
    And the fix adds "ipsec local-id vpn 10.2.0.1"
    And the fix adds "ipsec remote-id vpn 10.1.0.1"
    And a fix is offered on seil at "seil.conf:11"

  Scenario: SEIL sets proxy-id-local and forgets proxy-id-remote
    Given in the SEIL configuration " proxy-id-remote 10.2.0.0/24" is replaced by ""
    When pc-a pings 10.2.0.10 3 times after 10 seconds
    And the lab runs for 1 minute
    Then the diagnosis finds phase2_local_id_without_remote
    And the diagnosis says "seil sets its local ID but not its remote one"
    And the fix is on seil at "seil.conf:11"
    And the fix changes "proxy-id-local 10.1.0.0/24" to "proxy-id-local 10.1.0.0/24 proxy-id-remote 10.2.0.0/24"

  Scenario: SEIL limits its proxy-ids to TCP, which the IX cannot match
    Given in the SEIL configuration "proxy-id-remote 10.2.0.0/24" is replaced by "proxy-id-remote 10.2.0.0/24 proxy-id-protocol tcp"
    When pc-a pings 10.2.0.10 3 times after 10 seconds
    And the lab runs for 1 minute
    Then the diagnosis finds phase2_id_protocol_differs
    And the diagnosis shows "10.1.0.0/24[6/0]" against "10.1.0.0/24 (subnet"
    And the fix is on seil at "seil.conf:11"
    And no fix is offered on ix

  Scenario: A typo in the IX's local-id names a network it does not have
    Given in the IX configuration "ipsec local-id vpn 10.2.0.0/24" is replaced by "ipsec local-id vpn 10.20.0.0/24"
    When pc-a pings 10.2.0.10 3 times after 10 seconds
    And the lab runs for 1 minute
    Then the diagnosis finds phase2_ids_refused
    And the diagnosis says "ix's IDs name addresses that are not its own or its peer's"
    And the fix is on ix at "ix.conf:8"
    And the fix changes "ipsec local-id vpn 10.20.0.0/24" to "ipsec local-id vpn 10.2.0.0/24"
    And no fix is offered on seil

  Scenario: PFS on SEIL only
    Given in the SEIL configuration "lifetime-of-time 30m" is replaced by "lifetime-of-time 30m pfs-group modp1024"
    When pc-a pings 10.2.0.10 3 times after 10 seconds
    And the lab runs for 1 minute
    Then the diagnosis finds pfs_differs
    And the diagnosis shows "MODP-1024 (group 2)" against "none"
    And a fix is offered on seil at "seil.conf:10"
    And a fix is offered on ix at "ix.conf:7"
    And the fix changes "pfs-group modp1024" to "pfs-group none"
    And the fix changes "ipsec autokey-map vpn lab peer 10.0.0.1 p2" to "ipsec autokey-map vpn lab peer 10.0.0.1 p2 pfs 1024-bit"

  Scenario: Both use PFS, with different groups
    Given in the SEIL configuration "lifetime-of-time 30m" is replaced by "lifetime-of-time 30m pfs-group modp1024"
    And in the IX configuration "peer 10.0.0.1 p2" is replaced by "peer 10.0.0.1 p2 pfs 1536-bit"
    When pc-a pings 10.2.0.10 3 times after 10 seconds
    And the lab runs for 1 minute
    Then the diagnosis finds pfs_differs
    And the diagnosis shows "MODP-1024 (group 2)" against "MODP-1536 (group 5)"
    And the fix changes "pfs 1536-bit" to "pfs 1024-bit"

  Scenario: The IX offers 3DES for ESP where SEIL has AES
    Given in the IX configuration "esp-aes esp-sha" is replaced by "esp-3des esp-sha"
    When pc-a pings 10.2.0.10 3 times after 10 seconds
    And the lab runs for 1 minute
    Then the diagnosis finds phase2_proposal_differs
    And the diagnosis shows "3DES-CBC" against "AES-128-CBC"
    And a fix is offered on ix at "ix.conf:6"
    And a fix is offered on seil at "seil.conf:10"
    And the fix changes "encryption-algorithm aes" to "encryption-algorithm 3des"

  Scenario: The IX hashes phase 1 with SHA-256, SEIL with SHA-1
    Given in the IX configuration "hash sha group" is replaced by "hash sha2-256 group"
    When pc-a pings 10.2.0.10 3 times after 10 seconds
    And the lab runs for 1 minute
    Then the diagnosis finds phase1_proposal_differs
    And the diagnosis shows "SHA2-256" against "SHA1"
    And a fix is offered on ix at "ix.conf:4"
    And the fix changes "hash sha1" to "hash sha256"

  Scenario: The IX uses AES-256 for phase 1, SEIL AES-128
    Given in the IX configuration "encryption aes hash" is replaced by "encryption aes-256 hash"
    When pc-a pings 10.2.0.10 3 times after 10 seconds
    And the lab runs for 1 minute
    Then the diagnosis finds phase1_proposal_differs
    And the diagnosis shows "AES-256-CBC" against "AES-128-CBC"
    And the fix changes "encryption aes-256" to "encryption aes hash"

  Scenario: SEIL proposes DH group 14, the IX only group 2
    Given in the SEIL configuration "dh-group modp1024" is replaced by "dh-group modp2048"
    When pc-a pings 10.2.0.10 3 times after 10 seconds
    And the lab runs for 1 minute
    Then the diagnosis finds phase1_proposal_differs
    And the diagnosis shows "MODP-2048 (group 14)" against "MODP-1024 (group 2)"
    And a fix is offered on seil at "seil.conf:8"
    And the fix changes "group 1024-bit" to "group 2048-bit"

  Scenario: A typo in the IX's pre-shared key
    # The IX gives up 60 s after its last Main Mode message (MM4, just after the pings start).
    Given in the IX configuration "key s3cret-lab" is replaced by "key s3cret-1ab"
    When pc-a pings 10.2.0.10 3 times after 10 seconds
    And the lab runs for 2 minutes
    Then the diagnosis finds pre_shared_key_differs
    And the diagnosis shows "s3cret-1ab" against "s3cret-lab"
    And a fix is offered on seil at "seil.conf:7"
    And a fix is offered on ix at "ix.conf:5"

  Scenario: SEIL's pre-shared key is entered for the wrong address
    Given in the SEIL configuration 'ike preshared-key add "10.0.0.2"' is replaced by 'ike preshared-key add "10.0.0.20"'
    Then the SEIL configuration is refused at "seil.conf:9" with "no pre-shared key for 10.0.0.2"
    And the SEIL configuration is refused at "seil.conf:9" with 'line 7 has a key for "10.0.0.20", which no peer uses'


  Scenario: SEIL starts Aggressive Mode, the IX only answers Main Mode
    Given in the SEIL configuration "exchange-mode main" is replaced by "exchange-mode aggressive"
    When pc-a pings 10.2.0.10 3 times after 10 seconds
    And the lab runs for 2 minutes
    Then the diagnosis finds exchange_mode_differs
    And the diagnosis shows "aggressive" against "main"
    And the fix is on seil at "seil.conf:9"
    And a fix is offered on ix at "ix.conf:5"

  Scenario: SEIL points at an address the IX does not have
    Given in the SEIL configuration "10.0.0.2" is replaced by "10.0.0.3"
    When pc-a pings 10.2.0.10 3 times after 10 seconds
    And the lab runs for 2 minutes
    Then the diagnosis finds peer_address_wrong
    And the diagnosis says "no router has the address 10.0.0.3; ix is at 10.0.0.2"
    And the fix is on seil at "seil.conf:9"
    And a fix is offered on seil at "seil.conf:4"
    And a fix is offered on seil at "seil.conf:7"
    And no fix is offered on ix

  Scenario: The IX expects SEIL at another address
    Given in the IX configuration "peer 10.0.0.1" is replaced by "peer 10.0.0.9"
    When pc-a pings 10.2.0.10 3 times after 10 seconds
    And the lab runs for 2 minutes
    Then the diagnosis finds peer_address_wrong
    And the diagnosis says "ix has no IKE peer 10.0.0.1"
    And the fix is on ix at "ix.conf:5"
    And a fix is offered on ix at "ix.conf:7"
    And no fix is offered on seil

  Scenario: The IX's IPsec map is bound to no tunnel: no policy for the traffic
    Given in the IX configuration "  ipsec policy tunnel vpn out" is replaced by ""
    When pc-a pings 10.2.0.10 3 times after 10 seconds
    And the lab runs for 1 minute
    Then the diagnosis finds no_policy
    And the diagnosis says "ix has no IPsec policy with 10.0.0.1 at all"
    And the diagnosis says "ix.conf:7:19: warning: ipsec autokey-map `vpn` is not bound to any interface"

  Scenario: Phase 2 is up but SEIL has no route into the tunnel
    Given in the SEIL configuration "route add 10.2.0.0/24 ipsec0" is replaced by ""
    When pc-a pings 10.2.0.10 3 times after 10 seconds
    And pc-b pings 10.1.0.10 3 times after 20 seconds
    And the lab runs for 1 minute
    Then SEIL has 1 IPsec SA pair
    And the ping from pc-a to 10.2.0.10 fails
    And the diagnosis finds no_route_into_tunnel
    And the fix is on seil at "seil.conf:4"
    And the fix adds "route add 10.2.0.0/24 ipsec0"
    And no fix is offered on ix

  Scenario: Phase 2 is up but the IX has no route back into its tunnel
    Given in the IX configuration "ip route 10.1.0.0/24 Tunnel0.0" is replaced by ""
    When pc-a pings 10.2.0.10 3 times after 10 seconds
    And the lab runs for 1 minute
    Then the ping from pc-a to 10.2.0.10 fails
    And the diagnosis finds no_route_into_tunnel
    And the fix adds "ip route 10.1.0.0/24 Tunnel0.0"
    And no fix is offered on seil

  Scenario: A PC whose gateway is no router's address: its ARP requests go unanswered
    Given the host "pc-c" at 10.1.0.20/24 with gateway 10.1.0.254
    When pc-c pings 10.2.0.10 3 times after 10 seconds
    And the lab runs for 1 minute
    Then the ping from pc-c to 10.2.0.10 fails
    And the diagnosis finds arp_failed
    And the diagnosis shows "10.1.0.254" against "10.1.0.1"

  Scenario: A PC on no router's LAN
    Given the host "pc-d" at 10.9.0.20/24 with gateway 10.9.0.1
    When pc-d pings 10.2.0.10 3 times after 10 seconds
    And the lab runs for 1 minute
    Then the ping from pc-d to 10.2.0.10 fails
    And the diagnosis finds host_on_no_segment
    And the diagnosis says "10.9.0.20/24 is on no router's LAN"

  Scenario: The student fixes SEIL while the lab runs: the failure is reported as resolved
    Given in the SEIL configuration "proxy-id-local 10.1.0.0/24 proxy-id-remote 10.2.0.0/24" is replaced by "proxy-id-local 10.2.0.0/24 proxy-id-remote 10.1.0.0/24"
    When after 60 seconds the operator applies the SEIL configuration "your-lab/seil.conf"
    And pc-a pings 10.2.0.10 5 times after 80 seconds
    And the lab runs for 2 minutes
    Then the pings from pc-a to 10.2.0.10 succeed
    And the diagnosis finds phase2_ids_swapped
    And the diagnosis says the failure was resolved
    And the diagnosis says "phase 2 came up after"

  Scenario: The IX keeps its ESP SAs for 5 minutes, SEIL for 30: they come up, and the diagnosis says so
    Given in the IX configuration "lifetime time 1800" is replaced by "lifetime time 300"
    When pc-a pings 10.2.0.10 3 times after 10 seconds
    And the lab runs for 1 minute
    Then the pings from pc-a to 10.2.0.10 succeed
    And the diagnosis finds lifetime_differs
    And the diagnosis shows "1800 s" against "300 s"
    And the fix is on ix at "ix.conf:6"
    And the fix changes "lifetime time 300" to "lifetime time 1800"
