package dtlsinterop

import (
	"context"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	dtls "github.com/sansrtc/rtc/rtc-dtls"
	"github.com/sansrtc/rtc/rtc-shared"
	srtp "github.com/sansrtc/rtc/rtc-srtp"
	"github.com/sansrtc/rtc/tools/internal/peers"
)

// The Chromium test runs our DTLS endpoint against the browser's own DTLS
// stack (BoringSSL). Chromium offers a data channel; we answer as an
// ICE-lite peer on 127.0.0.1 with a minimal STUN responder written here,
// taking the DTLS client role (a=setup:active) or the server role
// (a=setup:passive). The browser's getStats must then report the DTLS
// transport connected with the cipher and SRTP profile we negotiated.

const chromiumJS = `
window.startOffer = async function() {
  window.pc = new RTCPeerConnection({iceServers: []});
  pc.createDataChannel("probe");
  const offer = await pc.createOffer();
  await pc.setLocalDescription(offer);
  if (pc.iceGatheringState !== "complete") {
    await new Promise(r => pc.addEventListener("icegatheringstatechange", () => { if (pc.iceGatheringState === "complete") r(); }));
  }
  return pc.localDescription.sdp;
};
window.acceptAnswer = async function(sdp) { await pc.setRemoteDescription({type: "answer", sdp}); return true; };
window.transportStats = async function() {
  const stats = await pc.getStats();
  let out = null;
  stats.forEach(s => { if (s.type === "transport") out = {dtlsState: s.dtlsState || "", dtlsCipher: s.dtlsCipher || "", srtpCipher: s.srtpCipher || "", tlsVersion: s.tlsVersion || "", dtlsRole: s.dtlsRole || ""}; });
  return out || {dtlsState: "none"};
};
`

type transportStats struct {
	DTLSState  string `json:"dtlsState"`
	DTLSCipher string `json:"dtlsCipher"`
	SRTPCipher string `json:"srtpCipher"`
	TLSVersion string `json:"tlsVersion"`
	DTLSRole   string `json:"dtlsRole"`
	// LocalPort is our UDP port (set by runChromium, not by the browser),
	// for a capture to find the handshake.
	LocalPort uint16 `json:"-"`
}

func sdpValue(sdp, prefix string) string {
	for _, line := range strings.Split(sdp, "\n") {
		line = strings.TrimRight(line, "\r")
		if strings.HasPrefix(line, prefix) {
			return strings.TrimPrefix(line, prefix)
		}
	}
	return ""
}

// chromiumCases are the suite, group and SRTP profile combinations tried
// in both roles: the ones Chromium's DTLS supports (not AES-256-GCM, not
// SRTP_AES128_CM_SHA1_32). We restrict our side to each; as a client we
// also list P-256, because BoringSSL, like OpenSSL, only uses its ECDSA
// P-256 certificate with a client that lists P-256 (RFC 8422 §5.1.1), and
// then picks the group by its own preference.
var chromiumCases = []struct {
	suite   dtls.CipherSuite
	group   dtls.Group
	profile srtp.Profile
}{
	{dtls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, dtls.GroupX25519, srtp.AES128CMHMACSHA1_80},
	{dtls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, dtls.GroupX25519, srtp.AEADAES256GCM},
	{dtls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, dtls.GroupP256, srtp.AEADAES128GCM},
	{dtls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, dtls.GroupP384, srtp.AES128CMHMACSHA1_80},
	// With our RSA certificate: as the server this selects ECDHE_RSA; as
	// the client it is the client certificate (Chromium signs with ECDSA).
	{dtls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, dtls.GroupX25519, srtp.AEADAES128GCM},
}

func TestChromium(t *testing.T) {
	peers.RequireChromium(t)
	certs(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	browser := peers.StartChromiumT(t, ctx)
	for _, role := range []string{"active", "passive"} {
		for _, c := range chromiumCases {
			name := fmt.Sprintf("we-are-%s/%v/%v/%v", map[string]string{"active": "client", "passive": "server"}[role], c.suite, c.group, c.profile)
			if role == "active" && c.suite == dtls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 {
				name = fmt.Sprintf("we-are-client/rsa-client-certificate/%v/%v", c.group, c.profile)
			}
			t.Run(name, func(t *testing.T) {
				// These are the DTLS 1.2 cases: 1.2 pinned (1.3 is the
				// default; chromium13_test.go covers it).
				runChromium(t, browser, role, c.suite, c.group, c.profile, func(cfg *dtls.Config) { cfg.MaxVersion = dtls.VersionDTLS12 })
			})
		}
	}
}

// runChromium runs one handshake; tweak, if set, adjusts our Config last
// (chromium13_test.go turns DTLS 1.3 on) and the checks follow what it set.
func runChromium(t *testing.T, browser *peers.Chromium, setup string, suite dtls.CipherSuite, group dtls.Group, profile srtp.Profile, tweak func(*dtls.Config)) transportStats {
	tab := browser.OpenPage(t, "<!doctype html><title>dtls</title>")
	defer peers.Eval[chromedp.Void](tab, "pc && pc.close()")
	if _, err := peers.Eval[chromedp.Void](tab, chromiumJS); err != nil {
		t.Fatal(err)
	}
	offer, err := peers.Eval[string](tab, "startOffer()")
	if err != nil {
		t.Fatal(err)
	}
	fpLine := sdpValue(offer, "a=fingerprint:")
	remoteFP, err := dtls.ParseFingerprint(fpLine)
	if err != nil {
		t.Fatalf("offer fingerprint %q: %v", fpLine, err)
	}
	mid := sdpValue(offer, "a=mid:")

	udp := peers.ListenUDP(t)
	local := udp.LocalAddr().(*net.UDPAddr).AddrPort()
	const ufrag, pwd = "sansrtcdtls", "sansrtcdtlspasswordpassword"
	ourCert := ecdsaCert
	if suite == dtls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 {
		ourCert = rsaCert
	}
	ourFP, err := ourCert.Fingerprint("sha-256")
	if err != nil {
		t.Fatal(err)
	}
	answer := strings.Join([]string{
		"v=0", "o=- 4611731400430051336 2 IN IP4 127.0.0.1", "s=-", "t=0 0",
		"a=group:BUNDLE " + mid, "a=ice-lite",
		"m=application 9 UDP/DTLS/SCTP webrtc-datachannel", "c=IN IP4 127.0.0.1",
		"a=mid:" + mid, "a=ice-ufrag:" + ufrag, "a=ice-pwd:" + pwd,
		"a=fingerprint:" + ourFP.String(), "a=setup:" + setup, "a=sctp-port:5000",
		fmt.Sprintf("a=candidate:1 1 udp 2130706431 127.0.0.1 %d typ host", local.Port()),
		"a=end-of-candidates", "",
	}, "\r\n")
	if _, err := peers.Eval[bool](tab, fmt.Sprintf("acceptAnswer(%q)", answer)); err != nil {
		t.Fatal(err)
	}

	cfg := &dtls.Config{
		Certificate:      ourCert,
		PeerFingerprints: []dtls.Fingerprint{remoteFP},
		SRTPProfiles:     []uint16{uint16(profile)},
		CipherSuites:     []dtls.CipherSuite{suite},
		Groups:           []dtls.Group{group},
	}
	if setup == "active" {
		cfg.Groups = groupsFor(group)
		if ourCert == rsaCert {
			cfg.CipherSuites = []dtls.CipherSuite{dtls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256}
			suite = cfg.CipherSuites[0]
		}
	}
	if tweak != nil {
		tweak(cfg)
	}
	var conn *dtls.Conn
	if setup == "passive" {
		if conn, err = dtls.NewServer(time.Now(), shared.TransportContext{Local: local}, cfg); err != nil {
			t.Fatal(err)
		}
	}
	p := &udpPeer{conn: conn, udp: udp}
	buf := make([]byte, 65536)
	deadline := time.Now().Add(30 * time.Second)
	for p.conn == nil || !p.established() {
		if time.Now().After(deadline) {
			t.Fatal("timed out before the DTLS handshake completed")
		}
		if p.conn != nil {
			if err := p.flush(); err != nil {
				t.Fatal(err)
			}
			for _, e := range p.events {
				if e.Kind == dtls.EventClosed {
					t.Fatalf("closed: %v", e.Err)
				}
			}
			if p.established() {
				break
			}
		}
		wait := time.Now().Add(200 * time.Millisecond)
		if p.conn != nil {
			if d, ok := p.conn.PollTimeout(); ok && d.Before(wait) {
				wait = d
			}
		}
		n, from, timedOut, err := peers.ReadUDP(udp, buf, wait)
		now := time.Now()
		if err != nil {
			t.Fatal(err)
		}
		if timedOut {
			if p.conn != nil {
				if err := expected(p.conn.HandleTimeout(now)); err != nil {
					t.Fatal(err)
				}
			}
			continue
		}
		msg := buf[:n]
		switch {
		case msg[0] < 4: // STUN (RFC 7983)
			resp, _ := peers.BindingSuccess(msg, from, pwd)
			if resp != nil {
				if _, err := udp.WriteToUDPAddrPort(resp, from); err != nil {
					t.Fatal(err)
				}
			}
			if p.conn == nil && setup == "active" {
				// Our DTLS client starts once the browser's checks arrive.
				if p.conn, err = dtls.NewClient(now, shared.TransportContext{Local: local, Peer: from}, cfg); err != nil {
					t.Fatal(err)
				}
			}
		case msg[0] >= 20 && msg[0] < 64 && p.conn != nil:
			if err := expected(p.conn.HandleRead(shared.TaggedBytes{Now: now, Transport: shared.TransportContext{Local: local, Peer: from}, Message: msg})); err != nil {
				t.Fatal(err)
			}
		}
	}
	st := p.state()
	// Keep answering STUN while the browser's view settles.
	var ts transportStats
	for range 50 {
		if n, from, timedOut, err := peers.ReadUDP(udp, buf, time.Now().Add(100*time.Millisecond)); err == nil && !timedOut {
			if buf[0] < 4 {
				if resp, _ := peers.BindingSuccess(buf[:n], from, pwd); resp != nil {
					if _, err := udp.WriteToUDPAddrPort(resp, from); err != nil {
						t.Fatal(err)
					}
				}
			} else {
				if err := expected(p.conn.HandleRead(shared.TaggedBytes{Now: time.Now(), Transport: shared.TransportContext{Local: local, Peer: from}, Message: buf[:n]})); err != nil {
					t.Fatal(err)
				}
				p.flush()
			}
		}
		if ts, err = peers.Eval[transportStats](tab, "transportStats()"); err != nil {
			t.Fatal(err)
		}
		if ts.DTLSState == "connected" && len(p.reads) > 0 {
			break
		}
	}
	// The browser's SCTP starts once its DTLS handshake is done: an
	// application data record that decrypts with our keys, carrying an
	// SCTP common header from port 5000 (a=sctp-port).
	if len(p.reads) == 0 {
		t.Errorf("no application data (SCTP) from chromium")
	} else if r := p.reads[0]; len(r) < 12 || r[0] != 0x13 || r[1] != 0x88 {
		t.Errorf("first record from chromium is not SCTP from port 5000: % x", r[:min(len(r), 16)])
	}
	t.Logf("ours: %v %v %v ems=%v; chromium: %+v", st.CipherSuite, st.Group, st.SRTPProfile, st.ExtendedMasterSecret, ts)
	if ts.DTLSState != "connected" {
		t.Fatalf("chromium transport %+v", ts)
	}
	if ts.DTLSCipher != st.CipherSuite.String() {
		t.Errorf("cipher: chromium %q, ours %v", ts.DTLSCipher, st.CipherSuite)
	}
	if st.CipherSuite != suite || (st.Group != group && setup == "passive") || srtp.Profile(st.SRTPProfile) != profile {
		t.Errorf("negotiated %v %v %v", st.CipherSuite, st.Group, st.SRTPProfile)
	}
	if !st.ExtendedMasterSecret {
		t.Error("no extended master secret with chromium")
	}
	name := ts.SRTPCipher
	if !strings.HasPrefix(name, "SRTP_") {
		name = "SRTP_" + name
	}
	if prof, ok := srtp.ParseProfile(name); !ok || prof != srtp.Profile(st.SRTPProfile) {
		t.Errorf("srtp: chromium %q, ours %v", ts.SRTPCipher, st.SRTPProfile)
	}
	t.Logf("our stats: %+v", p.conn.Stats())
	ts.LocalPort = local.Port()
	return ts
}
