Feature: Common interop failures in the same lab
  The same SEIL and IX, each time with one setting that does not match.

  Background:
    Given the SEIL configuration "proxy-id-fixed/seil.conf"
    And the IX configuration "proxy-id-fixed/ix.conf"

  Scenario: Phase-1 proposals do not match
    Given in the SEIL configuration "encryption aes hash sha1" is replaced by "encryption 3des hash sha1"
    When SEIL initiates the tunnel
    And host-a pings 192.168.1.10 3 times after 10 seconds
    And the lab runs for 2 minutes
    Then the capture has a NO-PROPOSAL-CHOSEN notification from 172.16.0.2
    And the SEIL log does not contain "ISAKMP-SA established"
    And the ping from host-a to host-b fails

  Scenario: The pre-shared keys differ
    Given in the SEIL configuration "hogehoge" is replaced by "fugafuga"
    When SEIL initiates the tunnel
    And host-a pings 192.168.1.10 3 times after 10 seconds
    And the lab runs for 2 minutes
    Then the SEIL log does not contain "ISAKMP-SA established"
    And the diagnosis says "The pre-shared keys differ"
    And the ping from host-a to host-b fails

  Scenario: PFS on one side only
    Given in the SEIL configuration "lifetime-of-time 05m" is replaced by "lifetime-of-time 05m pfs-group modp1024"
    When SEIL initiates the tunnel
    And host-a pings 192.168.1.10 3 times after 10 seconds
    And the lab runs for 2 minutes
    Then the SEIL log contains "ISAKMP-SA established"
    And the capture has a NO-PROPOSAL-CHOSEN notification from 172.16.0.2
    And SEIL has 0 IPsec SA pairs
    And the ping from host-a to host-b fails

  Scenario: Both routers in Aggressive Mode
    Given in the SEIL configuration "exchange-mode main" is replaced by "exchange-mode aggressive"
    And in the IX configuration "key hogehoge ike-prop" is replaced by "key hogehoge mode aggressive ike-prop"
    When SEIL initiates the tunnel
    And host-a pings 192.168.1.10 3 times after 10 seconds
    And the lab runs for 1 minutes
    Then the SEIL log contains "begin Aggressive mode."
    And every ISAKMP message in the capture decrypts
    And the ping from host-a to host-b succeeds

  Scenario: SEIL in Aggressive Mode, the IX in Main Mode
    Given in the SEIL configuration "exchange-mode main" is replaced by "exchange-mode aggressive"
    When SEIL initiates the tunnel
    And host-a pings 192.168.1.10 3 times after 10 seconds
    And the lab runs for 2 minutes
    Then the SEIL log does not contain "ISAKMP-SA established"
    And the diagnosis says "timed out"
    And the ping from host-a to host-b fails
