package sctp

import (
	"encoding/hex"
	"encoding/json"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	shared "github.com/sansrtc/rtc/rtc-shared"
)

type crcVectors struct {
	Vectors []struct {
		Name  string `json:"name"`
		Input string `json:"input_hex"`
		Value string `json:"crc32c_value"`
	} `json:"vectors"`
	Placement struct {
		Example struct {
			Zero   string `json:"packet_with_zero_checksum_hex"`
			Sealed string `json:"packet_with_checksum_hex"`
		} `json:"computed_example"`
	} `json:"sctp_checksum_placement"`
}

func loadCRC(t testing.TB) crcVectors {
	b, err := os.ReadFile("testdata/rfc3720_crc32c_vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var v crcVectors
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

func mustHex(t testing.TB, s string) []byte {
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestCRC32c checks the CRC32c vectors of RFC 3720 Appendix B.4 and the
// placement of the checksum in an SCTP packet (RFC 9260 Appendix A).
func TestCRC32c(t *testing.T) {
	v := loadCRC(t)
	for _, x := range v.Vectors {
		want, err := strconv.ParseUint(strings.TrimPrefix(x.Value, "0x"), 16, 32)
		must(t, err)
		in := mustHex(t, x.Input)
		if got := crc32cOf(in); got != uint32(want) {
			t.Errorf("%s: %08x, want %08x", x.Name, got, want)
		}
	}
	p := mustHex(t, v.Placement.Example.Zero)
	putChecksum(p)
	if want := mustHex(t, v.Placement.Example.Sealed); !cmp.Equal(p, want) {
		t.Fatalf("sealed packet %x, want %x", p, want)
	}
}

func TestChunkRoundTrips(t *testing.T) {
	datas := []dataChunk{
		{flags: flagBegin | flagEnd, tsn: 1, stream: 2, ssn: 3, ppid: 51, payload: []byte("abc")},
		{flags: flagUnordered | flagBegin, tsn: 0xffffffff, stream: 65535, ssn: 65535, ppid: 53, payload: []byte{1}},
		{idata: true, flags: flagBegin, tsn: 9, stream: 1, mid: 7, ppid: 50, payload: []byte("first")},
		{idata: true, flags: flagEnd, tsn: 10, stream: 1, mid: 7, fsn: 1, payload: []byte("last!")},
	}
	for _, d := range datas {
		b := d.appendTo(nil)
		if len(b)%4 != 0 || len(b) != padded(d.size()) {
			t.Fatalf("bad padding %d for size %d", len(b), d.size())
		}
		var ch rawChunk
		c := shared.NewCursor(b)
		if ok, err := nextChunk(&c, &ch); !ok || err != nil {
			t.Fatal(err)
		}
		var got dataChunk
		if err := parseDataChunk(ch.typ == ctIData, ch.flags, ch.value, &got); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(d, got, cmp.AllowUnexported(dataChunk{})); diff != "" {
			t.Fatal(diff)
		}
		// Every strict prefix of the header fails to parse.
		for n := range ch.value[:len(ch.value)-len(d.payload)] {
			if parseDataChunk(d.idata, d.flags, ch.value[:n], &got) == nil {
				t.Fatalf("prefix %d parsed", n)
			}
		}
	}
	s := sackChunk{cumTSN: 100, rwnd: 5000, gaps: []gapBlock{{2, 3}, {5, 9}}, dups: []uint32{99, 98}}
	b := s.appendTo(nil)
	var got sackChunk
	if err := parseSack(b[4:], &got); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(s, got, cmp.AllowUnexported(sackChunk{}, gapBlock{})); diff != "" {
		t.Fatal(diff)
	}
	for n := range len(b) - 4 {
		if parseSack(b[4:4+n], &got) == nil {
			t.Fatalf("SACK prefix %d parsed", n)
		}
	}
	for _, idata := range []bool{false, true} {
		f := forwardTSNChunk{idata: idata, newCum: 77, streams: []fwdStream{{stream: 1, seq: 5}, {stream: 3, seq: 9, unordered: idata}}}
		b := f.appendTo(nil)
		var g forwardTSNChunk
		if err := parseForwardTSN(idata, b[4:], &g); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(f, g, cmp.AllowUnexported(forwardTSNChunk{}, fwdStream{})); diff != "" {
			t.Fatal(diff)
		}
	}
	in := initChunk{tag: 1, rwnd: 2, os: 3, mis: 4, tsn: 5, fwdTSN: true, reconfig: true, idata: true, zeroCsum: true}
	b = in.appendTo(nil)
	var gi initChunk
	if err := parseInit(false, b[4:], &gi); err != nil {
		t.Fatal(err)
	}
	gi.unrecognized = nil
	if diff := cmp.Diff(in, gi, cmp.AllowUnexported(initChunk{})); diff != "" {
		t.Fatal(diff)
	}
	for n := range 16 {
		if parseInit(false, b[4:4+n], &gi) == nil {
			t.Fatalf("INIT prefix %d parsed", n)
		}
	}
	// A State Cookie inside an INIT (RFC 9260 §3.3.2 has none) is
	// ignored: only INIT ACK carries one (§3.3.3). Found by FuzzPacket.
	ack := initChunk{ack: true, tag: 1, rwnd: 2, os: 3, mis: 4, tsn: 5, cookie: []byte("cookie!")}
	b = ack.appendTo(nil)
	if err := parseInit(false, b[4:], &gi); err != nil || gi.cookie != nil {
		t.Fatalf("INIT kept a state cookie %q (err %v)", gi.cookie, err)
	}
	if err := parseInit(true, b[4:], &gi); err != nil || string(gi.cookie) != "cookie!" {
		t.Fatalf("INIT ACK cookie %q (err %v)", gi.cookie, err)
	}
}

func TestReconfigParams(t *testing.T) {
	var b []byte
	b = appendOutgoingReset(b, 10, 20, 30, []uint16{1, 3, 5})
	b = appendReconfigResponse(b, 10, resultPerformed)
	var got []reconfigParam
	if err := forEachReconfigParam(b, func(p *reconfigParam) { got = append(got, *p) }); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].reqSeq != 10 || got[0].respSeq != 20 || got[0].lastTSN != 30 || got[0].streamCount() != 3 || got[0].stream(2) != 5 {
		t.Fatalf("%+v", got)
	}
	if got[1].typ != paramReconfigResp || got[1].result != resultPerformed {
		t.Fatalf("%+v", got[1])
	}
}

func TestCookie(t *testing.T) {
	key := []byte("0123456789abcdef0123456789abcdef")
	cs := cookieState{created: epoch.UnixNano(), myTag: 1, peerTag: 2, myTSN: 3, peerTSN: 4, peerRwnd: 5, peerOS: 6, peerMIS: 7, tieMy: 8, tiePeer: 9, features: 3}
	c := appendCookie(nil, key, &cs)
	var got cookieState
	if _, err := openCookie(c, key, epoch.Add(59e9), 60e9, &got); err != nil || got != cs {
		t.Fatalf("%v %+v", err, got)
	}
	if stale, err := openCookie(c, key, epoch.Add(61e9), 60e9, &got); err != CauseStaleCookie || stale != 1e9 {
		t.Fatalf("stale: %v %v", stale, err)
	}
	c[5] ^= 1
	if _, err := openCookie(c, key, epoch, 60e9, &got); err != ErrCookie {
		t.Fatalf("forged cookie: %v", err)
	}
}
