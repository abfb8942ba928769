package network

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sansrtc/rtc/tools/interop/firefox"
)

// The DTLS facts the wire tests read from a capture of one connection.

// Versions and groups as they appear on the wire.
const (
	wireDTLS12         = 0xFEFD
	wireDTLS13         = 0xFEFC // RFC 9147 §5.3
	wireX25519MLKEM768 = 0x11EC // draft-ietf-tls-ecdhe-mlkem
	wireX25519         = 0x001D
)

// datagram is one UDP datagram to or from our port.
type datagram struct {
	at      time.Time
	fromUs  bool
	peer    string // the other end, address:port
	payload []byte
}

// record is one DTLS record of a datagram, as far as its header tells.
type record struct {
	contentType byte // 0 for a DTLS 1.3 unified-header (ciphertext) record
	epoch       int  // the plaintext epoch, or the low two bits of a unified header's
	unified     bool
	handshake   byte // the first handshake message type of an epoch-0 handshake record, else 0
}

// records splits a datagram into DTLS records (RFC 9147 §4: DTLSPlaintext
// with a 13-byte header, or DTLSCiphertext with the unified header
// 001CSLEE). It stops at anything it cannot delimit: a connection ID (not
// negotiated here) or a truncated header. STUN (first byte 0–3, RFC 7983)
// gives no record.
func records(p []byte) []record {
	var out []record
	for len(p) > 0 {
		b := p[0]
		switch {
		case b >= 20 && b <= 26 && len(p) >= 13: // RFC 9147 §4, DTLSPlaintext
			r := record{contentType: b, epoch: int(binary.BigEndian.Uint16(p[3:5]))}
			n := int(binary.BigEndian.Uint16(p[11:13]))
			if r.contentType == 22 && r.epoch == 0 && len(p) > 13 {
				r.handshake = p[13]
			}
			out = append(out, r)
			if 13+n > len(p) {
				return out
			}
			p = p[13+n:]
		case b&0xE0 == 0x20: // RFC 9147 §4, the unified header
			r := record{unified: true, epoch: int(b & 0x03)}
			out = append(out, r)
			if b&0x10 != 0 { // a connection ID: its length is not in the header
				return out
			}
			off := 2
			if b&0x08 != 0 {
				off = 3
			}
			if b&0x04 == 0 { // no length: the record runs to the datagram's end
				return out
			}
			if len(p) < off+2 {
				return out
			}
			n := int(binary.BigEndian.Uint16(p[off : off+2]))
			if off+2+n > len(p) {
				return out
			}
			p = p[off+2+n:]
		default:
			return out
		}
	}
	return out
}

// isAppData reports whether r carries application data: content type 23
// in DTLS 1.2, or a DTLS 1.3 ciphertext record of epoch 3, the first
// epoch protected with the application traffic keys (RFC 9147 §6.1; the
// header carries the epoch's low two bits, and nothing reaches epoch 4
// before the first application data).
func isAppData(r record) bool {
	if r.unified {
		return r.epoch == 3
	}
	return r.contentType == 23
}

// helloTiming is the issue 19 figure of one handshake on the wire.
type helloTiming struct {
	ClientHello    time.Time // the first datagram carrying a ClientHello (fragment)
	AppData        time.Time // the first datagram after it carrying an application data record, from either side
	ClientAppData  time.Time // the same from the DTLS client only
	WeAreClient    bool      // the first ClientHello came from our port
	AppDataFromUs  bool
	HelloDatagrams int // datagrams carrying a ClientHello, retransmissions included
	// ToAppData is AppData - ClientHello: in DTLS 1.3 the server's ACK of
	// the client's final flight is the first epoch-3 record it sends
	// (RFC 9147 §7), so on the server's side this marks the handshake's
	// end as much as the first data. ToClientAppData is
	// ClientAppData - ClientHello, the client's first data.
	ToAppData, ToClientAppData time.Duration
}

// timing finds the first ClientHello and the first application data
// records among ds.
func timing(ds []datagram) (helloTiming, error) {
	var h helloTiming
	for _, d := range ds {
		for _, r := range records(d.payload) {
			if r.handshake == 1 { // client_hello
				if h.ClientHello.IsZero() {
					h.ClientHello, h.WeAreClient = d.at, d.fromUs
				}
				h.HelloDatagrams++
				break
			}
			if !isAppData(r) || h.ClientHello.IsZero() {
				continue
			}
			if h.AppData.IsZero() {
				h.AppData, h.AppDataFromUs = d.at, d.fromUs
			}
			if h.ClientAppData.IsZero() && d.fromUs == h.WeAreClient {
				h.ClientAppData = d.at
			}
			break
		}
	}
	if h.ClientHello.IsZero() {
		return h, fmt.Errorf("no ClientHello among %d datagrams", len(ds))
	}
	if h.AppData.IsZero() || h.ClientAppData.IsZero() {
		return h, fmt.Errorf("no application data record from both sides after the ClientHello among %d datagrams", len(ds))
	}
	h.ToAppData, h.ToClientAppData = h.AppData.Sub(h.ClientHello), h.ClientAppData.Sub(h.ClientHello)
	return h, nil
}

// timeline renders the datagrams from the first STUN one up to the DTLS
// client's first application data, at most max of them, one token each:
// the time since the first ClientHello, who sent it, and what it carried
// (STUN request, with U for USE-CANDIDATE, or response; the DTLS records'
// kinds), and the other end's address whenever it changes, for reading a
// slow handshake.
func timeline(ds []datagram, h helloTiming, max int) string {
	var b strings.Builder
	n, peer := 0, ""
	for _, d := range ds {
		if !h.ClientAppData.IsZero() && d.at.After(h.ClientAppData) || n == max {
			break
		}
		n++
		from := "peer"
		if d.fromUs {
			from = "us"
		}
		if d.peer != peer {
			peer = d.peer
			fmt.Fprintf(&b, " [peer %s]", peer)
		}
		fmt.Fprintf(&b, " %+.1fms:%s:%s", float64(d.at.Sub(h.ClientHello).Microseconds())/1000, from, kinds(d.payload))
	}
	return strings.TrimSpace(b.String())
}

// kinds names what one datagram carries.
func kinds(p []byte) string {
	if len(p) >= 20 && p[0] < 4 { // STUN (RFC 7983)
		switch binary.BigEndian.Uint16(p[0:2]) {
		case 0x0001:
			for a := p[20:]; len(a) >= 4; {
				typ, n := binary.BigEndian.Uint16(a[0:2]), int(binary.BigEndian.Uint16(a[2:4]))
				if typ == 0x0025 { // USE-CANDIDATE, RFC 8445 §7.1.2
					return "stun-req(U)"
				}
				n = (n + 3) &^ 3
				if len(a) < 4+n {
					break
				}
				a = a[4+n:]
			}
			return "stun-req"
		case 0x0101:
			return "stun-resp"
		}
		return "stun"
	}
	var out []string
	for _, r := range records(p) {
		switch {
		case r.handshake != 0:
			out = append(out, fmt.Sprintf("hs%d", r.handshake))
		case r.unified:
			out = append(out, fmt.Sprintf("e%d", r.epoch))
		default:
			out = append(out, fmt.Sprintf("ct%d/e%d", r.contentType, r.epoch))
		}
	}
	if len(out) == 0 {
		return "?"
	}
	return strings.Join(out, "+")
}

// readDatagrams reads the UDP datagrams to and from port out of the
// capture (which it stops), with their capture timestamps.
func readDatagrams(t *testing.T, c *firefox.Capture, port string) []datagram {
	t.Helper()
	rows := c.Fields(t, nil, "udp.port=="+port, "frame.time_epoch", "udp.srcport", "udp.payload",
		"ip.src", "ip.dst", "udp.dstport")
	var ds []datagram
	for _, r := range rows {
		if len(r) < 6 {
			continue
		}
		sec, frac, _ := strings.Cut(r[0], ".")
		s, err1 := strconv.ParseInt(sec, 10, 64)
		frac = (frac + "000000000")[:9]
		ns, err2 := strconv.ParseInt(frac, 10, 64)
		p, err3 := hex.DecodeString(strings.ReplaceAll(r[2], ":", ""))
		if err1 != nil || err2 != nil || err3 != nil {
			t.Fatalf("tshark row %q: %v %v %v", r, err1, err2, err3)
		}
		d := datagram{at: time.Unix(s, ns), fromUs: r[1] == port, payload: p, peer: r[3] + ":" + r[1]}
		if d.fromUs {
			d.peer = r[4] + ":" + r[5]
		}
		ds = append(ds, d)
	}
	return ds
}

// helloFacts are what the ClientHello and ServerHello said, decoded by
// tshark.
type helloFacts struct {
	ClientVersions  string // supported_versions offered
	ClientKeyShares string // key_share groups offered
	ClientGroups    string // supported_groups offered
	ServerLegacy    string // ServerHello legacy_version
	ServerVersion   string // ServerHello supported_versions (selected; empty in 1.2)
	ServerGroup     string // ServerHello key_share group (1.3) or ServerKeyExchange named curve (1.2)
}

// hellos decodes the capture's first complete ClientHello and ServerHello
// on port with tshark (decoding the port as DTLS), and in DTLS 1.2 the
// ServerKeyExchange's group. The first read stops the capture; later
// reads see the same file.
func hellos(t *testing.T, c *firefox.Capture, port string) helloFacts {
	t.Helper()
	var h helloFacts
	first := func(rows [][]string) []string {
		for _, r := range rows { // one per (re)transmission; fragments have empty fields
			if len(r) > 0 && r[0] != "" {
				for len(r) < 4 {
					r = append(r, "")
				}
				return r
			}
		}
		return []string{"", "", "", ""}
	}
	ch := first(c.Fields(t, []string{port}, "udp.port=="+port+" && dtls.handshake.type==1",
		"dtls.handshake.version", "dtls.handshake.extensions.supported_version",
		"dtls.handshake.extensions_key_share_group", "dtls.handshake.extensions_supported_group"))
	h.ClientVersions, h.ClientKeyShares, h.ClientGroups = ch[1], ch[2], ch[3]
	sh := first(c.Fields(t, []string{port}, "udp.port=="+port+" && dtls.handshake.type==2",
		"dtls.handshake.version", "dtls.handshake.extensions.supported_version",
		"dtls.handshake.extensions_key_share_group"))
	h.ServerLegacy, h.ServerVersion, h.ServerGroup = sh[0], sh[1], sh[2]
	if h.ServerVersion == "" { // DTLS 1.2: the group is in ServerKeyExchange
		ske := first(c.Fields(t, []string{port}, "udp.port=="+port+" && dtls.handshake.type==12",
			"dtls.handshake.server_named_curve"))
		h.ServerGroup = ske[0]
	}
	return h
}

// wireNum parses a tshark number (decimal or 0x hex); -1 when it is not one.
func wireNum(s string) int {
	v, err := strconv.ParseUint(strings.TrimSpace(s), 0, 32)
	if err != nil {
		return -1
	}
	return int(v)
}

// hasNum reports whether the comma-separated tshark list holds v.
func hasNum(list string, v int) bool {
	for _, f := range strings.Split(list, ",") {
		if wireNum(f) == v {
			return true
		}
	}
	return false
}

// hexList rewrites a comma-separated tshark list of numbers in hex.
func hexList(list string) string {
	if list == "" {
		return "(none)"
	}
	var out []string
	for _, f := range strings.Split(list, ",") {
		if v := wireNum(f); v >= 0 {
			out = append(out, fmt.Sprintf("0x%04x", v))
		} else {
			out = append(out, f)
		}
	}
	return strings.Join(out, ",")
}

// groupName names a TLS group code for the figure lines.
func groupName(v int) string {
	switch v {
	case wireX25519MLKEM768:
		return "X25519MLKEM768"
	case wireX25519:
		return "x25519" // IANA's spelling, as the stats line has it
	case 0x0017:
		return "P-256"
	case 0x0018:
		return "P-384"
	}
	return fmt.Sprintf("0x%04x", v)
}

// wireFigure is the outcome of checkWire: what the handshake selected and
// how long it took from the first ClientHello to application data.
type wireFigure struct {
	Version string // "1.3" or "1.2"
	Group   string
	Timing  helloTiming
}

// checkWire reads the capture of one connection on our port and asserts
// (issue 19) that the ServerHello selected want ("1.3": supported_versions
// 0xfefc and key_share group 0x11ec, X25519MLKEM768; "1.2": no
// supported_versions, legacy_version 0xfefd) and that the first
// application data followed the first ClientHello within 2 s. It checks
// that a browser client offered X25519MLKEM768 in its key_share (1.3).
func checkWire(t *testing.T, c *firefox.Capture, port, browser, want string) wireFigure {
	t.Helper()
	if port == "" {
		t.Fatal("no UDP port of ours on the LAN in our description")
	}
	h := hellos(t, c, port)
	ds := readDatagrams(t, c, port)
	tm, err := timing(ds)
	if err != nil {
		t.Fatalf("on the wire: %v", err)
	}
	client := browser
	if tm.WeAreClient {
		client = "sansrtc"
	}
	t.Logf("wire: %s is the DTLS client; ClientHello supported_versions %s, key_share %s, supported_groups %s; ServerHello legacy_version %s, supported_versions %q, group %s",
		client, hexList(h.ClientVersions), hexList(h.ClientKeyShares), hexList(h.ClientGroups), h.ServerLegacy, h.ServerVersion, hexList(h.ServerGroup))
	t.Logf("wire timeline (ms from the first ClientHello): %s", timeline(ds, tm, 60))
	f := wireFigure{Version: want, Group: groupName(wireNum(h.ServerGroup)), Timing: tm}
	switch want {
	case "1.3":
		if wireNum(h.ServerVersion) != wireDTLS13 {
			t.Errorf("ServerHello supported_versions %q, want 0xfefc (DTLS 1.3)", h.ServerVersion)
		}
		if wireNum(h.ServerGroup) != wireX25519MLKEM768 {
			t.Errorf("ServerHello key_share group %q, want 0x11ec (X25519MLKEM768)", h.ServerGroup)
		}
		if !hasNum(h.ClientVersions, wireDTLS13) || !hasNum(h.ClientKeyShares, wireX25519MLKEM768) {
			t.Errorf("the ClientHello (%s) offers supported_versions %s and key_share %s, want 0xfefc and 0x11ec among them", client, h.ClientVersions, h.ClientKeyShares)
		}
	case "1.2":
		if h.ServerVersion != "" {
			t.Errorf("ServerHello supported_versions %q, want none (DTLS 1.2)", h.ServerVersion)
		}
		if wireNum(h.ServerLegacy) != wireDTLS12 {
			t.Errorf("ServerHello version %q, want 0xfefd (DTLS 1.2)", h.ServerLegacy)
		}
	}
	if wireNum(h.ServerLegacy) != wireDTLS12 { // RFC 9147 §5.3: 1.3 keeps legacy_version at 1.2
		t.Errorf("ServerHello legacy_version %q, want 0xfefd", h.ServerLegacy)
	}
	if tm.ToAppData <= 0 || tm.ToClientAppData >= 2*time.Second {
		t.Errorf("ClientHello to application data %v (the client's %v), want under 2 s", tm.ToAppData, tm.ToClientAppData)
	}
	return f
}

// logFigure writes the issue 16/19 figure of one case in one stable,
// greppable format: `figure browser=… role=… dtls=… group=…
// hello_to_appdata=…ms setup=…ms`, with dtls_client naming who sent the
// ClientHello, hello_datagrams how many datagrams carried one,
// appdata_first_from who sent the first application data record, and
// hello_to_client_appdata the time to the DTLS client's first.
func logFigure(t *testing.T, browser, role string, w wireFigure, setup float64) {
	t.Helper()
	client := browser
	if w.Timing.WeAreClient {
		client = "sansrtc"
	}
	first := browser
	if w.Timing.AppDataFromUs {
		first = "sansrtc"
	}
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	t.Logf("figure browser=%s role=%s dtls=%s group=%s dtls_client=%s hello_datagrams=%d appdata_first_from=%s hello_to_appdata=%.1fms hello_to_client_appdata=%.1fms setup=%.0fms",
		browser, role, w.Version, w.Group, client, w.Timing.HelloDatagrams, first,
		ms(w.Timing.ToAppData), ms(w.Timing.ToClientAppData), setup)
}
