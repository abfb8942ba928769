package shared

import (
	"strconv"
	"testing"
)

// A STUN-like message: a 20-byte header and three TLV attributes, parsed
// and built the way the codecs of every layer do it. (Unlike STUN, the
// length here also covers the 16 bytes of cookie and transaction ID.)
var benchMsg = func() []byte {
	b := NewBuilder(nil)
	b.AddUint16(0x0001)
	l := b.BeginUint16Length()
	b.AddUint32(0x2112a442)
	b.AddBytes(make([]byte, 12))
	for i := range 3 {
		b.AddUint16(uint16(0x8020 + i))
		al := b.BeginUint16Length()
		b.AddBytes([]byte("attribute value!"))
		b.EndUint16Length(al)
	}
	b.EndUint16Length(l)
	out, err := b.Bytes()
	if err != nil {
		panic(err)
	}
	return out
}()

var sink uint64

func parseBench(msg []byte) bool {
	c := NewCursor(msg)
	var typ, length uint16
	var cookie uint32
	var tid []byte
	var body Cursor
	if !c.ReadUint16(&typ) || !c.ReadUint16(&length) || !c.ReadUint32(&cookie) || !c.ReadBytes(&tid, 12) || !c.ReadCursor(&body, int(length)-16) || !c.Empty() {
		return false
	}
	for !body.Empty() {
		var at uint16
		var v Cursor
		if !body.ReadUint16(&at) || !body.ReadUint16LengthPrefixed(&v) {
			return false
		}
		sink += uint64(at) + uint64(v.Len())
	}
	return true
}

func buildBench(buf []byte) ([]byte, error) {
	b := NewFixedBuilder(buf[:0])
	b.AddUint16(0x0001)
	l := b.BeginUint16Length()
	b.AddUint32(0x2112a442)
	b.AddZeros(12)
	for i := range 3 {
		b.AddUint16(uint16(0x8020 + i))
		al := b.BeginUint16Length()
		b.AddString("attribute value!")
		b.EndUint16Length(al)
	}
	b.EndUint16Length(l)
	return b.Bytes()
}

func BenchmarkCursorParse(b *testing.B) {
	b.ReportAllocs()
	b.SetBytes(int64(len(benchMsg)))
	for b.Loop() {
		if !parseBench(benchMsg) {
			b.Fatal("parse failed")
		}
	}
}

func BenchmarkBuilderFixed(b *testing.B) {
	buf := make([]byte, 0, 128)
	b.ReportAllocs()
	b.SetBytes(int64(len(benchMsg)))
	for b.Loop() {
		if _, err := buildBench(buf); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkBuilderGrowingReused(b *testing.B) {
	buf := make([]byte, 0, 128)
	b.ReportAllocs()
	for b.Loop() {
		bb := NewBuilder(buf[:0])
		bb.AddUint16(1)
		l := bb.BeginUint16Length()
		bb.AddString("attribute value!")
		bb.EndUint16Length(l)
		buf, _ = bb.Bytes()
	}
}

// BenchmarkReplayWindow is the steady state of an SRTP or DTLS receiver:
// mostly in-order numbers with some reordering, Check then Accept.
func BenchmarkReplayWindow(b *testing.B) {
	for _, size := range []int{64, 1024} {
		b.Run(strconv.Itoa(size), func(b *testing.B) {
			w := NewReplayWindow(size)
			var seq uint64 = 1000
			b.ReportAllocs()
			for b.Loop() {
				seq++
				s := seq
				if seq%8 == 0 {
					s -= 5 // a late packet
				}
				if w.Check(s) {
					w.Accept(s)
				}
			}
		})
	}
}

// TestZeroAllocs proves the hot paths allocate nothing.
func TestZeroAllocs(t *testing.T) {
	buf := make([]byte, 0, 128)
	w := NewReplayWindow(1024)
	var seq uint64
	for name, f := range map[string]func(){
		"cursor": func() {
			if !parseBench(benchMsg) {
				t.Fatal("parse failed")
			}
		},
		"builder": func() {
			if out, err := buildBench(buf); err != nil || string(out) != string(benchMsg[:len(out)]) || len(out) != len(benchMsg) {
				t.Fatal("build failed")
			}
		},
		"replay": func() {
			seq++
			if w.Check(seq) {
				w.Accept(seq)
			}
			w.Check(seq - 3)
		},
		"builder-error": func() {
			b := NewFixedBuilder(buf[:0:4])
			b.AddUint64(1) // ErrShortBuffer: a sentinel, no allocation
		},
	} {
		if n := testing.AllocsPerRun(1000, f); n != 0 {
			t.Errorf("%s: %v allocs per run", name, n)
		}
	}
}
