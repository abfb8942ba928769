package turninterop

import (
	"net"
	"net/netip"
	"testing"

	pionturn "github.com/pion/turn/v5"
	shared "github.com/sansrtc/rtc/rtc-shared"
)

// startPionTURN runs Pion's TURN server in-process on 127.0.0.1 with the
// long-term user test:test in realm test: a second server implementation
// for the client to work against.
func startPionTURN(t *testing.T) netip.AddrPort {
	t.Helper()
	pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv, err := pionturn.NewServer(pionturn.ServerConfig{
		Realm: "test",
		AuthHandler: func(ra *pionturn.RequestAttributes) (string, []byte, bool) {
			if ra.Username != "test" {
				return "", nil, false
			}
			return ra.Username, pionturn.GenerateAuthKey(ra.Username, ra.Realm, "test"), true
		},
		PacketConnConfigs: []pionturn.PacketConnConfig{{
			PacketConn: pc,
			RelayAddressGenerator: &pionturn.RelayAddressGeneratorStatic{
				RelayAddress: net.ParseIP("127.0.0.1"),
				Address:      "127.0.0.1",
			},
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return pc.LocalAddr().(*net.UDPAddr).AddrPort()
}

func TestPionTURNServerUDP(t *testing.T) { testClientWith(t, startPionTURN(t), shared.UDP) }
