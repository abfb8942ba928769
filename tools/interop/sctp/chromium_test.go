package sctp

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	dc "github.com/sansrtc/rtc/rtc-datachannel"
	dtls "github.com/sansrtc/rtc/rtc-dtls"
	ours "github.com/sansrtc/rtc/rtc-sctp"
	shared "github.com/sansrtc/rtc/rtc-shared"
	"github.com/sansrtc/rtc/tools/internal/peers"
)

// The Chromium test runs rtc-datachannel (and so rtc-sctp) against the
// browser's data channel stack (dcsctp) over rtc-dtls, with a minimal
// ICE-lite STUN responder on 127.0.0.1. Chromium offers; we answer as the
// DTLS client (even stream ids). We echo everything Chromium sends on its
// channels, open a channel of our own, share a negotiated one, and close
// from both sides.

const chromiumPage = `
window.start = async function() {
  window.pc = new RTCPeerConnection({iceServers: []});
  window.log = [];
  window.fromUs = [];
  window.echoes = {};
  pc.ondatachannel = e => {
    const ch = e.channel;
    window.ours = ch;
    log.push("datachannel:" + ch.label + ":" + ch.id + ":" + ch.protocol);
    ch.onmessage = m => fromUs.push(String(m.data));
    ch.onclose = () => log.push("closed:" + ch.label);
  };
  window.chans = {};
  const mk = (label, opts) => {
    const ch = pc.createDataChannel(label, opts);
    ch.binaryType = "arraybuffer";
    echoes[label] = [];
    ch.onmessage = m => echoes[label].push(m.data);
    ch.onopen = () => log.push("open:" + label);
    ch.onclose = () => log.push("closed:" + label);
    chans[label] = ch;
  };
  mk("probe", {});
  mk("unordered", {ordered: false});
  mk("neg", {negotiated: true, id: 100});
  mk("rexmit", {ordered: false, maxRetransmits: 2, protocol: "p1"});
  mk("timed", {maxPacketLifeTime: 500});
  const offer = await pc.createOffer();
  await pc.setLocalDescription(offer);
  if (pc.iceGatheringState !== "complete") {
    await new Promise(r => pc.addEventListener("icegatheringstatechange", () => { if (pc.iceGatheringState === "complete") r(); }));
  }
  return pc.localDescription.sdp;
};
window.accept = async function(sdp) { await pc.setRemoteDescription({type: "answer", sdp}); return true; };
window.waitFor = async function(entry) {
  for (let i = 0; i < 200; i++) { if (log.includes(entry)) return true; await new Promise(r => setTimeout(r, 50)); }
  return false;
};
window.pattern = (n, seed) => { let s = ""; for (let i = 0; i < n; i++) s += String.fromCharCode(33 + (i * 7 + seed) % 90); return s; };
window.echo = async function(label, size, binary) {
  const ch = chans[label];
  const before = echoes[label].length;
  const text = pattern(size, size % 13);
  const data = binary ? new TextEncoder().encode(text).buffer : text;
  ch.send(data);
  for (let i = 0; i < 400; i++) {
    if (echoes[label].length > before) {
      const got = echoes[label][before];
      const gotText = typeof got === "string" ? got : new TextDecoder().decode(got);
      return (typeof got === "string") === !binary && gotText === text ? "ok" : "mismatch: " + (typeof got) + " " + gotText.length;
    }
    await new Promise(r => setTimeout(r, 25));
  }
  return "timeout";
};
`

// ourPeer is the Go side: UDP socket, STUN responder, DTLS client, and the
// data channel Manager, run on one goroutine.
type ourPeer struct {
	udp     *net.UDPConn
	pwd     string
	cfg     *dtls.Config
	conn    *dtls.Conn
	mgr     *dc.Manager
	mgrCfg  dc.Config
	remote  netip.AddrPort
	local   netip.AddrPort
	cmds    chan func(*dc.Manager)
	events  chan dc.Event
	labels  map[uint16]string
	echoed  int
	stopped chan struct{}
}

func (p *ourPeer) flush(t *testing.T) {
	if p.conn == nil {
		return
	}
	for {
		if p.mgr != nil {
			for pkt, ok := p.mgr.PollWrite(); ok; pkt, ok = p.mgr.PollWrite() {
				if err := p.conn.HandleWrite(pkt.Message); err != nil {
					t.Errorf("dtls write: %v", err)
				}
			}
		}
		moved := false
		for dg, ok := p.conn.PollWrite(); ok; dg, ok = p.conn.PollWrite() {
			if _, err := p.udp.WriteToUDPAddrPort(dg.Message, p.remote); err != nil {
				t.Errorf("udp write: %v", err)
			}
			moved = true
		}
		for e, ok := p.conn.PollEvent(); ok; e, ok = p.conn.PollEvent() {
			moved = true
			if e.Kind == dtls.EventHandshakeComplete && p.mgr == nil {
				m, err := dc.New(p.mgrCfg)
				if err != nil {
					t.Error(err)
					return
				}
				p.mgr = m
				if _, err := p.mgr.Open(dc.Options{Negotiated: true, ID: 100, Label: "neg"}); err != nil {
					t.Errorf("open: %v", err)
				}
				if err := p.mgr.Connect(time.Now()); err != nil {
					t.Errorf("connect: %v", err)
				}
			}
		}
		for b, ok := p.conn.PollRead(); ok; b, ok = p.conn.PollRead() {
			moved = true
			if p.mgr != nil {
				if err := p.mgr.HandleRead(shared.TaggedBytes{Now: time.Now(), Message: b}); err != nil && !isNetErr(err) {
					t.Errorf("data channels: %v", err)
				}
			}
		}
		if p.mgr != nil {
			for e, ok := p.mgr.PollEvent(); ok; e, ok = p.mgr.PollEvent() {
				moved = true
				if e.Kind == dc.EventDataChannel {
					info, _ := p.mgr.Channel(e.Channel)
					p.labels[e.Channel] = info.Label
				}
				select {
				case p.events <- e:
				default:
				}
			}
			for r, ok := p.mgr.PollRead(); ok; r, ok = p.mgr.PollRead() {
				moved = true
				// Echo on the same channel with the same type.
				if err := p.mgr.HandleWrite(r); err != nil {
					t.Errorf("echo on %d: %v", r.Channel, err)
				}
				p.echoed++
			}
		}
		if !moved {
			return
		}
	}
}

func (p *ourPeer) run(t *testing.T) {
	defer close(p.stopped)
	buf := make([]byte, 65536)
	for {
		select {
		case f, ok := <-p.cmds:
			if !ok {
				return
			}
			if p.mgr != nil {
				f(p.mgr)
			}
		default:
		}
		p.flush(t)
		wait := time.Now().Add(20 * time.Millisecond)
		if p.conn != nil {
			if d, ok := p.conn.PollTimeout(); ok && d.Before(wait) {
				wait = d
			}
		}
		if p.mgr != nil {
			if d, ok := p.mgr.PollTimeout(); ok && d.Before(wait) {
				wait = d
			}
		}
		n, from, timedOut, err := peers.ReadUDP(p.udp, buf, wait)
		now := time.Now()
		if err != nil {
			return
		}
		if timedOut {
			if p.conn != nil {
				if err := p.conn.HandleTimeout(now); err != nil && !errors.Is(err, shared.ErrClosed) {
					t.Errorf("dtls timeout: %v", err)
				}
			}
			if p.mgr != nil {
				if err := p.mgr.HandleTimeout(now); err != nil && !errors.Is(err, shared.ErrClosed) {
					t.Errorf("data channels timeout: %v", err)
				}
			}
			continue
		}
		msg := buf[:n]
		switch {
		case msg[0] < 4: // STUN (RFC 7983 demultiplexing)
			if resp, _ := peers.BindingSuccess(msg, from, p.pwd); resp != nil { // (the second result is USE-CANDIDATE, not an error)
				if _, err := p.udp.WriteToUDPAddrPort(resp, from); err != nil {
					t.Errorf("udp write: %v", err)
				}
			}
			if p.conn == nil {
				p.remote = from
				c, err := dtls.NewClient(now, shared.TransportContext{Local: p.local, Peer: from}, p.cfg)
				if err != nil {
					t.Error(err)
					return
				}
				p.conn = c
			}
		case msg[0] >= 20 && msg[0] < 64 && p.conn != nil:
			if err := p.conn.HandleRead(shared.TaggedBytes{Now: now, Transport: shared.TransportContext{Local: p.local, Peer: from}, Message: msg}); err != nil {
				// A real network: retransmitted or reordered records are
				// dropped by DTLS with an error; they are not fatal.
				t.Logf("dtls read: %v", err)
			}
		}
	}
}

func (p *ourPeer) do(f func(*dc.Manager)) {
	done := make(chan struct{})
	p.cmds <- func(m *dc.Manager) { f(m); close(done) }
	select {
	case <-done:
	case <-time.After(10 * time.Second):
	}
}

func (p *ourPeer) wait(t *testing.T, k dc.EventKind, label string) dc.Event {
	t.Helper()
	deadline := time.After(15 * time.Second)
	for {
		select {
		case e := <-p.events:
			if e.Kind == k && (label == "" || p.labels[e.Channel] == label) {
				return e
			}
		case <-deadline:
			t.Fatalf("timeout waiting for %v on %q", k, label)
		}
	}
}

func sdpLine(sdp, prefix string) string {
	for _, l := range strings.Split(sdp, "\n") {
		if l = strings.TrimRight(l, "\r"); strings.HasPrefix(l, prefix) {
			return strings.TrimPrefix(l, prefix)
		}
	}
	return ""
}

func TestChromiumDataChannel(t *testing.T) {
	peers.RequireChromium(t)
	t.Run("default", func(t *testing.T) { runChromiumDataChannel(t, "", false) })
	// dcsctp's field trial turns on message interleaving (RFC 8260).
	t.Run("interleaving", func(t *testing.T) {
		runChromiumDataChannel(t, "WebRTC-DataChannelMessageInterleaving/Enabled/", true)
	})
}

func runChromiumDataChannel(t *testing.T, trials string, wantIData bool) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var extra []chromedp.ExecAllocatorOption
	if trials != "" {
		extra = append(extra, chromedp.Flag("force-fieldtrials", trials))
	}
	bctx := peers.StartChromiumT(t, ctx, extra...).OpenPage(t, "<!doctype html><title>sctp</title>")
	if _, err := peers.Eval[chromedp.Void](bctx, chromiumPage); err != nil {
		t.Fatal(err)
	}
	offer, err := peers.Eval[string](bctx, "start()")
	if err != nil {
		t.Fatal(err)
	}
	remoteFP, err := dtls.ParseFingerprint(sdpLine(offer, "a=fingerprint:"))
	if err != nil {
		t.Fatal(err)
	}
	peerMax := 65536
	if v := sdpLine(offer, "a=max-message-size:"); v != "" {
		if peerMax, err = strconv.Atoi(v); err != nil {
			t.Fatalf("a=max-message-size:%s: %v", v, err)
		}
	}
	t.Logf("chromium offers a=max-message-size:%s a=sctp-port:%s", sdpLine(offer, "a=max-message-size:"), sdpLine(offer, "a=sctp-port:"))

	udp := peers.ListenUDP(t)
	cert, err := dtls.GenerateCertificate(time.Now(), dtls.KeyECDSAP256)
	if err != nil {
		t.Fatal(err)
	}
	ourFP, err := cert.Fingerprint("sha-256")
	if err != nil {
		t.Fatal(err)
	}
	const ufrag, pwd = "sansrtcsctp", "sansrtcsctppasswordpassword"
	p := &ourPeer{
		udp: udp, pwd: pwd, local: udp.LocalAddr().(*net.UDPAddr).AddrPort(),
		cfg:    &dtls.Config{Certificate: cert, PeerFingerprints: []dtls.Fingerprint{remoteFP}},
		mgrCfg: dc.Config{DTLSClient: true, SCTP: ours.Config{PeerMaxMessageSize: peerMax}},
		cmds:   make(chan func(*dc.Manager), 4), events: make(chan dc.Event, 256),
		labels: map[uint16]string{100: "neg"}, stopped: make(chan struct{}),
	}
	go p.run(t)
	defer func() { close(p.cmds); <-p.stopped }()
	mid := sdpLine(offer, "a=mid:")
	answer := strings.Join([]string{
		"v=0", "o=- 1 2 IN IP4 127.0.0.1", "s=-", "t=0 0",
		"a=group:BUNDLE " + mid, "a=ice-lite",
		"m=application 9 UDP/DTLS/SCTP webrtc-datachannel", "c=IN IP4 127.0.0.1",
		"a=mid:" + mid, "a=ice-ufrag:" + ufrag, "a=ice-pwd:" + pwd,
		"a=fingerprint:" + ourFP.String(), "a=setup:active", "a=sctp-port:5000",
		fmt.Sprintf("a=max-message-size:%d", ours.DefaultMaxMessageSize),
		fmt.Sprintf("a=candidate:1 1 udp 2130706431 127.0.0.1 %d typ host", p.local.Port()),
		"a=end-of-candidates", "",
	}, "\r\n")
	if _, err := peers.Eval[bool](bctx, fmt.Sprintf("accept(%q)", answer)); err != nil {
		t.Fatal(err)
	}
	for _, l := range []string{"open:probe", "open:unordered", "open:neg", "open:rexmit", "open:timed"} {
		ok, err := peers.Eval[bool](bctx, fmt.Sprintf("waitFor(%q)", l))
		if err != nil || !ok {
			log := browserLog(bctx)
			t.Fatalf("%s: %v (log %v)", l, err, log)
		}
	}
	// Chromium's channels and the negotiated one echo byte-exact, up to
	// 256 KiB, strings and binaries.
	// The channel types Chromium announced in DATA_CHANNEL_OPEN.
	want := map[string]dc.ChannelType{"probe": dc.ChannelReliable, "unordered": dc.ChannelReliableUnordered,
		"rexmit": dc.ChannelPartialReliableRexmitUnordered, "timed": dc.ChannelPartialReliableTimed}
	for range 100 {
		n := 0
		p.do(func(*dc.Manager) {
			for _, label := range p.labels {
				if _, ok := want[label]; ok {
					n++
				}
			}
		})
		if n == len(want) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	p.do(func(m *dc.Manager) {
		seen := 0
		defer func() {
			if seen != len(want) {
				t.Errorf("saw %d of Chromium's %d in-band channels", seen, len(want))
			}
		}()
		for id, label := range p.labels {
			if _, ok := want[label]; ok {
				seen++
			}
			info, _ := m.Channel(id)
			if w, ok := want[label]; ok && (info.Type != w || id%2 != 1) {
				t.Errorf("%s: id %d type %v, want an odd id and %v", label, id, info.Type, w)
			}
			if label == "rexmit" && (info.Reliability != 2 || info.Protocol != "p1") {
				t.Errorf("rexmit: %+v", info)
			}
			if label == "timed" && info.Reliability != 500 {
				t.Errorf("timed: %+v", info)
			}
		}
	})
	for _, label := range []string{"probe", "unordered", "neg", "rexmit", "timed"} {
		for _, size := range []int{1, 1 << 10, 16 << 10, 64 << 10, 256 << 10} {
			if label != "probe" && size > 64<<10 {
				continue
			}
			for _, bin := range []bool{false, true} {
				res, err := peers.Eval[string](bctx, fmt.Sprintf("echo(%q, %d, %v)", label, size, bin))
				if err != nil || res != "ok" {
					t.Fatalf("echo %s %d binary=%v: %q %v", label, size, bin, res, err)
				}
			}
		}
	}
	// Our in-band channel reaches Chromium's ondatachannel.
	var id uint16
	var openErr, sendErr error
	p.do(func(m *dc.Manager) {
		id, openErr = m.Open(dc.Options{Label: "from-sansrtc", Protocol: "chat"})
		p.labels[id] = "from-sansrtc"
	})
	must(t, openErr)
	p.wait(t, dc.EventOpen, "from-sansrtc")
	p.do(func(m *dc.Manager) { sendErr = m.Send(id, []byte("hello chromium"), false) })
	must(t, sendErr)
	ok, err := peers.Eval[bool](bctx, fmt.Sprintf("waitFor(%q)", fmt.Sprintf("datachannel:from-sansrtc:%d:chat", id)))
	if err != nil || !ok {
		log := browserLog(bctx)
		t.Fatalf("chromium did not see our channel %d: %v (log %v)", id, err, log)
	}
	for range 100 {
		got, err := peers.Eval[[]string](bctx, "fromUs")
		must(t, err)
		if len(got) == 1 && got[0] == "hello chromium" {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	// Chromium closes one of its channels; we close ours.
	if _, err := peers.Eval[chromedp.Void](bctx, "chans.probe.close()"); err != nil {
		t.Fatal(err)
	}
	p.wait(t, dc.EventClose, "probe")
	var closeErr error
	p.do(func(m *dc.Manager) { closeErr = m.CloseChannel(id) })
	must(t, closeErr)
	p.wait(t, dc.EventClose, "from-sansrtc")
	if ok, err := peers.Eval[bool](bctx, `waitFor("closed:from-sansrtc")`); err != nil || !ok {
		t.Fatalf("chromium did not see our close: %v", err)
	}
	var st ours.Stats
	p.do(func(m *dc.Manager) { st = m.Association().Stats() })
	if st.Interleaving != wantIData {
		t.Errorf("I-DATA negotiated %v, want %v", st.Interleaving, wantIData)
	}
	t.Logf("negotiated with Chromium: I-DATA %v, zero checksum %v, PR-SCTP %v; %d messages echoed; rtx %d (fast %d, T3 %d, spurious recoveries %d), packets %d/%d",
		st.Interleaving, st.ZeroChecksum, st.PartialReliability, p.echoed, st.Retransmissions, st.FastRetransmits, st.T3Expirations, st.SpuriousRecoveries, st.PacketsSent, st.PacketsReceived)
}

// browserLog returns the page's log for a failure message (or the error
// that kept it from being read).
func browserLog(ctx context.Context) []string {
	log, err := peers.Eval[[]string](ctx, "log")
	if err != nil {
		return []string{"(log unavailable: " + err.Error() + ")"}
	}
	return log
}

// isNetErr reports an error the data channels may rightly return for a
// packet of a real peer (see netErrs).
func isNetErr(err error) bool {
	for _, e := range netErrs {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}
