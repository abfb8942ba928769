package sdp

import (
	"errors"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

// floodHeap returns the bytes one Parse of text allocates.
func floodHeap(t *testing.T, text string) (uint64, error) {
	t.Helper()
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	_, err := Parse(text)
	runtime.ReadMemStats(&m1)
	return m1.TotalAlloc - m0.TotalAlloc, err
}

// TestFloods: a remote description at the default limits, filled with the
// line that costs the most: candidates (typed and checked on parse), a=mid
// sections, one BUNDLE group listing every mid, and unknown attributes.
// Each parses (or is refused by a limit) with the memory held bounded by a
// small multiple of the input size, and one line more than a limit is
// refused with ErrTooLarge.
func TestFloods(t *testing.T) {
	const limit = 256 << 10
	head := minimal + "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n"
	fill := func(line func(i int) string) string {
		var b strings.Builder
		b.WriteString(head)
		for i := 0; ; i++ {
			l := line(i)
			if b.Len()+len(l) > limit {
				return b.String()
			}
			b.WriteString(l)
		}
	}
	floods := map[string]string{
		"candidates": fill(func(i int) string {
			return "a=candidate:" + strconv.Itoa(i) + " 1 udp 2122260223 10.0.0." + strconv.Itoa(i%250) + " " + strconv.Itoa(1024+i%60000) + " typ host generation 0\r\n"
		}),
		"unknown attributes": fill(func(i int) string { return "a=x-" + strconv.Itoa(i) + "\r\n" }),
		"media sections": fill(func(i int) string {
			return "m=audio 9 UDP/TLS/RTP/SAVPF 0\r\na=mid:" + strconv.Itoa(i) + "\r\n"
		}),
	}
	var group strings.Builder
	group.WriteString(minimal + "a=group:BUNDLE")
	for i := 0; group.Len() < limit-16; i++ {
		group.WriteString(" " + strconv.Itoa(i))
	}
	floods["one BUNDLE group"] = group.String() + "\r\n"
	for name, text := range floods {
		heap, err := floodHeap(t, text)
		if name == "media sections" {
			// 1024 m= sections is the limit; the flood holds more.
			if !errors.Is(err, ErrTooLarge) {
				t.Errorf("%s: %v, want ErrTooLarge", name, err)
			}
			continue
		}
		if name == "unknown attributes" && !errors.Is(err, ErrTooLarge) {
			t.Errorf("%s: %v, want ErrTooLarge (line limit)", name, err)
			continue
		}
		if name != "unknown attributes" && err != nil {
			t.Errorf("%s: %v", name, err)
		}
		if heap > 8*uint64(len(text)) {
			t.Errorf("%s: %d bytes allocated for %d of input", name, heap, len(text))
		}
		t.Logf("%s: %d KiB input, %d KiB allocated", name, len(text)>>10, heap>>10)
	}
	if _, err := Parse(floods["candidates"] + strings.Repeat("a", limit)); !errors.Is(err, ErrTooLarge) {
		t.Errorf("over MaxSize: %v", err)
	}
}

// TestShortLineFlood: the most lines the default limit lets through, each
// the shortest attribute, costs what the attribute array (32 bytes a line)
// and the record of checked attributes (12 bytes a line) take, rounded up
// by the allocator, and no more: under 45 bytes a line, 720 KiB at 16,384
// lines, whatever the peer sends.
func TestShortLineFlood(t *testing.T) {
	var b strings.Builder
	b.WriteString(minimal)
	lines := strings.Count(minimal, "\n") + 1
	for ; lines < 16384; lines++ {
		b.WriteString("a=x\n")
	}
	text := b.String()
	heap, err := floodHeap(t, text)
	if err != nil {
		t.Fatal(err)
	}
	if limit := uint64(45*lines + 4096); heap > limit {
		t.Errorf("%d lines: %d bytes allocated, want at most %d", lines, heap, limit)
	}
	t.Logf("%d lines, %d KiB input: %d KiB allocated", lines, len(text)>>10, heap>>10)
	if _, err := Parse(text + "a=x\n"); !errors.Is(err, ErrTooLarge) {
		t.Errorf("one line more: %v", err)
	}
}
