package network

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"net"
	"net/netip"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/webrtc/v4"
	"github.com/sansrtc/rtc/rtc"
	"github.com/sansrtc/rtc/rtc/driver"
	"github.com/sansrtc/rtc/tools/internal/peers"
	"github.com/sansrtc/rtc/tools/interop/pion"
)

// TestPionRelayOnlyTURNTransports (issue 16): Pion v4 and a sansrtc peer,
// both with iceTransportPolicy "relay", connect through coturn on
// 127.0.0.1 over TURN/UDP, TURN/TCP and TURN/TLS, with each side offering
// in turn, and a data channel echoes through the relays. Pion verifies a
// turns: server against the system roots only (no setting), so the test
// points SSL_CERT_FILE at its certificate before the process first loads
// them; it skips TLS when they were loaded earlier. With Pion offering,
// the echo takes ~2 s: Pion's controlling agent waits 2 s before it
// accepts a relayed pair (pion/ice defaultRelayAcceptanceMinWait); with
// sansrtc offering, ~60 ms.
func TestPionRelayOnlyTURNTransports(t *testing.T) {
	dir := t.TempDir()
	roots, certFile, keyFile := testCert(t, dir)
	t.Setenv("SSL_CERT_FILE", certFile)
	pionTrusts := systemRootsTrust(t, certFile)
	plain, tlsPort := startCoturnCert(t, dir, certFile, keyFile)
	for _, tc := range []struct{ name, url string }{
		{"udp", fmt.Sprintf("turn:127.0.0.1:%d?transport=udp", plain)},
		{"tcp", fmt.Sprintf("turn:127.0.0.1:%d?transport=tcp", plain)},
		{"tls", fmt.Sprintf("turns:127.0.0.1:%d?transport=tcp", tlsPort)},
	} {
		for _, pionOffers := range []bool{true, false} {
			name := tc.name + "/sansrtc-offers"
			if pionOffers {
				name = tc.name + "/pion-offers"
			}
			t.Run(name, func(t *testing.T) {
				if tc.name == "tls" && !pionTrusts {
					t.Skip("the process loaded the system roots before SSL_CERT_FILE was set: Pion cannot trust the test certificate")
				}
				pionRelayEcho(t, tc.url, roots, pionOffers)
			})
		}
		// The figure: data-channel throughput through coturn, ours
		// and Pion's, interleaved (two rounds each) so that the machine's
		// load hits both alike.
		t.Run(tc.name+"/throughput", func(t *testing.T) {
			if tc.name == "tls" && !pionTrusts {
				t.Skip("the process loaded the system roots before SSL_CERT_FILE was set: Pion cannot trust the test certificate")
			}
			const total = 8 << 20
			var ours, theirs []float64
			for range 2 {
				ours = append(ours, relayPair(t, tc.url, roots, total))
				theirs = append(theirs, pionRelayThroughput(t, tc.url, total))
			}
			t.Logf("figure: TURN/%s data-channel throughput, 16 KiB messages: sansrtc %.1f/%.1f MB/s, Pion %.1f/%.1f MB/s, ratio %.2fx",
				strings.ToUpper(tc.name), ours[0], ours[1], theirs[0], theirs[1], (ours[0]+ours[1])/(theirs[0]+theirs[1]))
		})
	}
}

// pionRelayThroughput connects two relay-only Pion peers through the TURN
// server at url, sends total bytes in 16 KiB messages from one to the
// other (keeping at most 1 MiB buffered) and returns the throughput in
// MB/s.
func pionRelayThroughput(t *testing.T, url string, total int) float64 {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cfg := webrtc.Configuration{
		ICEServers:         []webrtc.ICEServer{{URLs: []string{url}, Username: peers.CoturnUser, Credential: peers.CoturnPassword}},
		ICETransportPolicy: webrtc.ICETransportPolicyRelay,
	}
	var pcs [2]*webrtc.PeerConnection
	for i := range pcs {
		p, err := pionAPI().NewPeerConnection(cfg)
		if err != nil {
			t.Fatal(err)
		}
		pcs[i] = p
		defer func() {
			if err := p.Close(); err != nil {
				t.Errorf("closing Pion: %v", err)
			}
		}()
	}
	received := make(chan int, 1024)
	pcs[1].OnDataChannel(func(dc *webrtc.DataChannel) {
		dc.OnMessage(func(m webrtc.DataChannelMessage) { received <- len(m.Data) })
	})
	dc, err := pcs[0].CreateDataChannel("relayed", nil)
	if err != nil {
		t.Fatal(err)
	}
	open := make(chan struct{})
	dc.OnOpen(func() { close(open) })
	const high, low = 1 << 20, 256 << 10
	drained := make(chan struct{}, 1)
	dc.SetBufferedAmountLowThreshold(low)
	dc.OnBufferedAmountLow(func() {
		select {
		case drained <- struct{}{}:
		default:
		}
	})
	o, err := pcs[0].CreateOffer(nil)
	if err != nil {
		t.Fatal(err)
	}
	offer, err := pion.Gathered(ctx, pcs[0], o)
	if err != nil {
		t.Fatal(err)
	}
	if err := pcs[1].SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: offer}); err != nil {
		t.Fatal(err)
	}
	a, err := pcs[1].CreateAnswer(nil)
	if err != nil {
		t.Fatal(err)
	}
	answer, err := pion.Gathered(ctx, pcs[1], a)
	if err != nil {
		t.Fatal(err)
	}
	for _, sdp := range []string{offer, answer} {
		if !strings.Contains(sdp, "typ relay") {
			t.Fatalf("no relay candidate:\n%s", sdp)
		}
	}
	if err := pcs[0].SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: answer}); err != nil {
		t.Fatal(err)
	}
	select {
	case <-open:
	case <-ctx.Done():
		t.Fatal("Pion's channel did not open through TURN")
	}
	buf := make([]byte, 16<<10)
	t0 := time.Now()
	got := 0
	for sent := 0; sent < total; sent += len(buf) {
		for dc.BufferedAmount() > high {
			select {
			case <-drained:
			case n := <-received:
				got += n
			case <-ctx.Done():
				t.Fatalf("Pion's send buffer did not drain (%d of %d bytes sent)", sent, total)
			}
		}
		if err := dc.Send(buf); err != nil {
			t.Fatalf("Pion send at %d: %v", sent, err)
		}
	}
	el, mbps := awaitBytes(t, ctx, received, got, total, t0)
	t.Logf("Pion %s: %d MiB in %v = %.1f MB/s", url, total>>20, el.Round(time.Millisecond), mbps)
	return mbps
}

// systemRootsTrust reports whether the system roots (as Pion's crypto/tls
// sees them) trust the certificate in certFile.
func systemRootsTrust(t *testing.T, certFile string) bool {
	t.Helper()
	b, err := os.ReadFile(certFile)
	if err != nil {
		t.Fatal(err)
	}
	blk, _ := pem.Decode(b)
	if blk == nil {
		t.Fatal("test certificate is not PEM")
	}
	cert, err := x509.ParseCertificate(blk.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	pool, err := x509.SystemCertPool()
	if err != nil {
		t.Logf("system roots: %v", err)
		return false
	}
	_, err = cert.Verify(x509.VerifyOptions{Roots: pool})
	return err == nil
}

// pionAPI is Pion restricted to loopback, UDP4 and TCP4 (TURN/TCP needs
// TCP), mDNS off: nothing leaves the machine.
func pionAPI() *webrtc.API {
	var se webrtc.SettingEngine
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4, webrtc.NetworkTypeTCP4})
	se.SetInterfaceFilter(func(name string) bool { return name == "lo" })
	se.SetIPFilter(func(ip net.IP) bool { return ip.IsLoopback() })
	se.SetIncludeLoopbackCandidate(true)
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	return webrtc.NewAPI(webrtc.WithSettingEngine(se))
}

// pionRelayEcho connects a relay-only Pion peer and a relay-only sansrtc
// peer through the TURN server at url; the offerer opens a channel and
// sends 20 messages, the answerer echoes them, and every echo must come
// back. Both descriptions carry relay candidates only.
func pionRelayEcho(t *testing.T, url string, roots *x509.CertPool, pionOffers bool) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	d := driver.New(driver.Config{Addresses: []netip.Addr{netip.MustParseAddr("127.0.0.1")}, TLSRoots: roots, Logger: testLogger()})
	defer d.Close()
	const n = 20
	echoed := make(chan string, n)
	opened := make(chan *rtc.DataChannel, 1)
	var sendErr = make(chan error, n)
	s, err := d.NewPeerConnection(rtc.Configuration{
		ICEServers:         []rtc.ICEServer{{URLs: []string{url}, Username: peers.CoturnUser, Credential: peers.CoturnPassword}},
		ICETransportPolicy: rtc.ICETransportPolicyRelay,
	}, driver.Handler{
		OnEvent: func(c *driver.Conn, e rtc.Event) {
			if e.Kind == rtc.EventDataChannelOpen {
				opened <- e.Channel
			}
		},
		OnMessage: func(c *driver.Conn, m rtc.Message) {
			if m.Kind != rtc.MessageData {
				return
			}
			if pionOffers { // sansrtc echoes
				if err := c.Send(m.Channel, append([]byte(nil), m.Data...), m.Binary); err != nil {
					sendErr <- err
				}
				return
			}
			echoed <- string(m.Data)
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	p, err := pionAPI().NewPeerConnection(webrtc.Configuration{
		ICEServers:         []webrtc.ICEServer{{URLs: []string{url}, Username: peers.CoturnUser, Credential: peers.CoturnPassword}},
		ICETransportPolicy: webrtc.ICETransportPolicyRelay,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := p.Close(); err != nil {
			t.Errorf("closing Pion: %v", err)
		}
	}()
	start := time.Now()
	var offer, answer string
	if pionOffers {
		dc, err := p.CreateDataChannel("relayed", nil)
		if err != nil {
			t.Fatal(err)
		}
		pionOpen := make(chan struct{})
		dc.OnOpen(func() { close(pionOpen) })
		dc.OnMessage(func(m webrtc.DataChannelMessage) { echoed <- string(m.Data) })
		o, err := p.CreateOffer(nil)
		if err != nil {
			t.Fatal(err)
		}
		if offer, err = pion.Gathered(ctx, p, o); err != nil {
			t.Fatal(err)
		}
		t.Logf("Pion gathered its offer in %v", time.Since(start).Round(time.Millisecond))
		ans, err := s.AnswerAfterGathering(ctx, rtc.SessionDescription{Type: rtc.SDPTypeOffer, SDP: offer})
		if err != nil {
			t.Fatal(err)
		}
		answer = ans.SDP
		if err := p.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: answer}); err != nil {
			t.Fatal(err)
		}
		select {
		case <-pionOpen:
		case <-ctx.Done():
			t.Fatal("Pion's channel did not open through TURN")
		}
		for i := range n {
			if err := dc.SendText(fmt.Sprintf("m%d", i)); err != nil {
				t.Fatal(err)
			}
		}
	} else {
		p.OnDataChannel(func(dc *webrtc.DataChannel) {
			dc.OnMessage(func(m webrtc.DataChannelMessage) {
				var err error
				if m.IsString {
					err = dc.SendText(string(m.Data))
				} else {
					err = dc.Send(m.Data)
				}
				if err != nil {
					sendErr <- err
				}
			})
		})
		if _, err := s.CreateDataChannel("relayed", rtc.DataChannelInit{}); err != nil {
			t.Fatal(err)
		}
		o, err := s.OfferAfterGathering(ctx)
		if err != nil {
			t.Fatal(err)
		}
		offer = o.SDP
		if err := p.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: offer}); err != nil {
			t.Fatal(err)
		}
		a, err := p.CreateAnswer(nil)
		if err != nil {
			t.Fatal(err)
		}
		t0 := time.Now()
		if answer, err = pion.Gathered(ctx, p, a); err != nil {
			t.Fatal(err)
		}
		t.Logf("Pion gathered its answer in %v", time.Since(t0).Round(time.Millisecond))
		if err := s.SetAnswer(rtc.SessionDescription{Type: rtc.SDPTypeAnswer, SDP: answer}); err != nil {
			t.Fatal(err)
		}
		var dc *rtc.DataChannel
		select {
		case dc = <-opened:
		case <-ctx.Done():
			t.Fatal("sansrtc's channel did not open through TURN")
		}
		for i := range n {
			if err := s.Send(dc, fmt.Appendf(nil, "m%d", i), false); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, sdp := range []string{offer, answer} {
		for l := range strings.Lines(sdp) {
			if strings.HasPrefix(l, "a=candidate") && !strings.Contains(l, "typ relay") {
				t.Errorf("relay policy signalled a non-relay candidate: %s", strings.TrimSpace(l))
			}
		}
		if !strings.Contains(sdp, "typ relay") {
			t.Fatalf("no relay candidate:\n%s", sdp)
		}
	}
	got := map[string]bool{}
	for len(got) < n {
		select {
		case m := <-echoed:
			got[m] = true
		case err := <-sendErr:
			t.Fatalf("echo send: %v", err)
		case <-ctx.Done():
			t.Fatalf("%d of %d echoes came back through TURN", len(got), n)
		}
	}
	for i := range n {
		if !got[fmt.Sprintf("m%d", i)] {
			t.Fatalf("echo m%d missing: %v", i, got)
		}
	}
	t.Logf("%s, pion offers %v: %d echoes %v after the offer started", url, pionOffers, n, time.Since(start).Round(time.Millisecond))
}
