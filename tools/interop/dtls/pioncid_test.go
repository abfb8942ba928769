package dtlsinterop

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	piondtls "github.com/pion/dtls/v3"
	"github.com/pion/dtls/v3/pkg/crypto/elliptic"
	dtls "github.com/sansrtc/rtc/rtc-dtls"
	"github.com/sansrtc/rtc/rtc-shared"
	"github.com/sansrtc/rtc/tools/internal/peers"
)

// TestPionConnectionID: DTLS 1.2 connection IDs (RFC 9146) against Pion's
// dtls/v3, both roles: CIDs both ways (ours 4 bytes, Pion's 8), and Pion
// send-only (an empty CID: it puts ours in its records, we send plain
// ones). The handshake's Finished messages and the echoed data travel in
// tls12_cid records, so their additional data (RFC 9146 §5) must agree.
//
// AEAD suites only: Pion 3.1.8's CBC MAC for tls12_cid records (hmacCID in
// pkg/crypto/ciphersuite/cbc.go) hashes the DTLSInnerPlaintext twice (once
// inside the header block it builds, then the payload again), where RFC
// 9146 §5.1 has it once, so a CBC suite with CIDs fails against it in both
// directions. Our CBC construction is tested in-process (rtc-dtls
// TestConnectionID12).
func TestPionConnectionID(t *testing.T) {
	certs(t)
	for _, ourRole := range []string{"client", "server"} {
		for _, suite := range []dtls.CipherSuite{dtls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, dtls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256} {
			for _, pionSendOnly := range []bool{false, true} {
				name := fmt.Sprintf("we-are-%s/%v/pion-send-only=%v", ourRole, suite, pionSendOnly)
				t.Run(name, func(t *testing.T) {
					var ocfg *dtls.Config
					st := runPion(t, ourRole == "client", ecdsaCert, peerECDSACert, suite, dtls.GroupX25519, elliptic.X25519,
						func(o *dtls.Config, p *piondtls.Config) {
							o.MaxVersion = dtls.VersionDTLS12 // CIDs are 1.2 only here
							o.ConnectionIDLength = 4
							p.ConnectionIDGenerator = piondtls.RandomCIDGenerator(8)
							if pionSendOnly {
								p.ConnectionIDGenerator = piondtls.OnlySendCIDGenerator()
							}
							ocfg = o
						})
					if st == nil {
						return
					}
					wantPeer := 8
					if pionSendOnly {
						wantPeer = 0
					}
					if !st.ConnectionID || len(st.LocalConnectionID) != ocfg.ConnectionIDLength || len(st.PeerConnectionID) != wantPeer {
						t.Fatalf("CIDs: negotiated %v, ours %x, Pion's %x", st.ConnectionID, st.LocalConnectionID, st.PeerConnectionID)
					}
				})
			}
		}
	}
}

// rebindConn is a net.PacketConn for Pion that reads from two sockets and
// writes from the first until rebind is called, then from the second: a
// NAT rebinding as the other side sees it.
type rebindConn struct {
	a, b    *net.UDPConn
	useB    atomic.Bool
	in      chan rebindPacket
	once    sync.Once
	closed  chan struct{}
	mu      sync.Mutex
	timeout time.Time
}

type rebindPacket struct {
	b    []byte
	from net.Addr
}

func newRebindConn(a, b *net.UDPConn) *rebindConn {
	r := &rebindConn{a: a, b: b, in: make(chan rebindPacket, 64), closed: make(chan struct{})}
	for _, u := range []*net.UDPConn{a, b} {
		go func() {
			buf := make([]byte, 65536)
			for {
				n, from, err := u.ReadFrom(buf)
				if err != nil {
					return
				}
				select {
				case r.in <- rebindPacket{append([]byte(nil), buf[:n]...), from}:
				case <-r.closed:
					return
				}
			}
		}()
	}
	return r
}

func (r *rebindConn) ReadFrom(p []byte) (int, net.Addr, error) {
	r.mu.Lock()
	d := r.timeout
	r.mu.Unlock()
	var timer <-chan time.Time
	if !d.IsZero() {
		tm := time.NewTimer(time.Until(d))
		defer tm.Stop()
		timer = tm.C
	}
	select {
	case pk := <-r.in:
		return copy(p, pk.b), pk.from, nil
	case <-r.closed:
		return 0, nil, net.ErrClosed
	case <-timer:
		return 0, nil, errors.New("rebindConn: read timeout")
	}
}

func (r *rebindConn) WriteTo(p []byte, addr net.Addr) (int, error) {
	if r.useB.Load() {
		return r.b.WriteTo(p, addr)
	}
	return r.a.WriteTo(p, addr)
}

func (r *rebindConn) Close() error {
	r.once.Do(func() { close(r.closed) })
	return nil
}

func (r *rebindConn) LocalAddr() net.Addr { return r.a.LocalAddr() }
func (r *rebindConn) SetDeadline(t time.Time) error {
	return r.SetReadDeadline(t)
}
func (r *rebindConn) SetReadDeadline(t time.Time) error {
	r.mu.Lock()
	r.timeout = t
	r.mu.Unlock()
	return nil
}
func (r *rebindConn) SetWriteDeadline(time.Time) error { return nil }

// TestPionConnectionIDRebinding: Pion as the client moves to another
// source port after the handshake (a NAT rebinding). Its next record
// carries our CID, so our server follows it (EventPeerAddressChanged, RFC
// 9146 §6) and the echo reaches Pion at its new address.
func TestPionConnectionIDRebinding(t *testing.T) {
	certs(t)
	ourUDP := peers.ListenUDP(t)
	pionA, pionB := peers.ListenUDP(t), peers.ListenUDP(t)
	ourAddr := ourUDP.LocalAddr().(*net.UDPAddr)
	pconnRaw := newRebindConn(pionA, pionB)
	pcfg := pionConfig(peerECDSACert, ecdsaCert, dtls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, elliptic.X25519)
	pcfg.ConnectionIDGenerator = piondtls.OnlySendCIDGenerator()
	pconn, err := piondtls.Client(pconnRaw, ourAddr, pcfg)
	if err != nil {
		t.Fatal(err)
	}
	defer pconn.Close()
	type result struct {
		err error
		msg []byte
	}
	done := make(chan result, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := pconn.HandshakeContext(ctx); err != nil {
			done <- result{err: err}
			return
		}
		pconnRaw.useB.Store(true)
		if _, err := pconn.Write([]byte("from the new port")); err != nil {
			done <- result{err: err}
			return
		}
		buf := make([]byte, 1500)
		pconn.SetReadDeadline(time.Now().Add(10 * time.Second))
		n, err := pconn.Read(buf)
		done <- result{err: err, msg: buf[:n]}
	}()

	ocfg := &dtls.Config{
		Certificate:        ecdsaCert,
		PeerFingerprints:   []dtls.Fingerprint{mustFP(peerECDSACert)},
		CipherSuites:       []dtls.CipherSuite{dtls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256},
		MaxVersion:         dtls.VersionDTLS12,
		ConnectionIDLength: 6,
	}
	conn, err := dtls.NewServer(time.Now(), shared.TransportContext{Local: ourAddr.AddrPort()}, ocfg)
	if err != nil {
		t.Fatal(err)
	}
	p := &udpPeer{conn: conn, udp: ourUDP}
	if err := p.run(func() bool { return len(p.reads) > 0 }, 10*time.Second); err != nil {
		t.Fatalf("handshake and data: %v", err)
	}
	newAddr := netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), uint16(pionB.LocalAddr().(*net.UDPAddr).Port))
	var moved *dtls.Event
	for i := range p.events {
		if p.events[i].Kind == dtls.EventPeerAddressChanged {
			moved = &p.events[i]
		}
	}
	if moved == nil || moved.Transport.Peer != newAddr || conn.Transport().Peer != newAddr {
		t.Fatalf("peer now %v, event %+v, want %v", conn.Transport().Peer, moved, newAddr)
	}
	if string(p.reads[0]) != "from the new port" {
		t.Fatalf("read %q", p.reads[0])
	}
	if err := conn.HandleWrite([]byte("echo")); err != nil {
		t.Fatal(err)
	}
	if err := p.flush(); err != nil {
		t.Fatal(err)
	}
	r := <-done
	if r.err != nil || !bytes.Equal(r.msg, []byte("echo")) {
		t.Fatalf("pion: %v %q", r.err, r.msg)
	}
	t.Logf("stats: %+v", conn.Stats())
}
