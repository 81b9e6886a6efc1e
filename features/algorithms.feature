Feature: Algorithm and lifetime matrices
  Both routers agree on the algorithms; the sizes of the encrypted messages follow the
  cipher's block size (racoon pads 1 to a whole block).

  Scenario Outline: Phase 1 and phase 2 with <seil-ike> / <ix-ike>
    Given the SEIL configuration "proxy-id-fixed/seil.conf"
    And the IX configuration "proxy-id-fixed/ix.conf"
    And in the SEIL configuration "encryption aes hash sha1" is replaced by "<seil-ike>"
    And in the IX configuration "encryption aes hash sha" is replaced by "<ix-ike>"
    When SEIL initiates the tunnel
    And host-a pings 192.168.1.10 3 times after 10 seconds
    And the lab runs for 1 minutes
    Then the capture has an ISAKMP Informational message of <initial-contact> bytes from 172.16.0.1
    And every ISAKMP message in the capture decrypts
    And the ping from host-a to host-b succeeds

    Examples:
      | seil-ike                        | ix-ike                         | initial-contact |
      | encryption aes hash sha1        | encryption aes hash sha        | 92              |
      | encryption 3des hash sha1       | encryption 3des hash sha       | 84              |
      | encryption aes256 hash sha1     | encryption aes-256 hash sha    | 92              |
      | encryption aes hash sha256      | encryption aes hash sha2-256   | 108             |
      | encryption aes hash md5         | encryption aes hash md5        | 92              |

  Scenario Outline: IPsec SAs of <lifetime> are renewed while pings flow
    Given the SEIL configuration "proxy-id-fixed/seil.conf"
    And the IX configuration "proxy-id-fixed/ix.conf"
    And in the SEIL configuration "encryption-algorithm aes lifetime-of-time 05m" is replaced by "encryption-algorithm aes lifetime-of-time <lifetime>"
    When SEIL initiates the tunnel
    And host-a pings 192.168.1.10 30 times after 10 seconds
    And the lab runs for <minutes> minutes
    Then the SEIL log contains "IPsec-SA established"
    And the ping from host-a to host-b succeeds
    And SEIL has <pairs> IPsec SA pairs

    Examples:
      | lifetime | minutes | pairs |
      | 05m      | 3       | 1     |
      | 60s      | 3       | 1     |
