package mdns

import (
	"net/netip"
	"runtime"
	"testing"
	"time"

	shared "github.com/sansrtc/rtc/rtc-shared"
)

func BenchmarkParse(b *testing.B) {
	v := responseVector(b)
	b.ReportAllocs()
	b.SetBytes(int64(len(v)))
	for b.Loop() {
		if _, err := Parse(v); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkQuerierUnsolicited is what every other host's announcement on
// the link costs a Querier: parsed, matched, counted, dropped.
func BenchmarkQuerierUnsolicited(b *testing.B) {
	q, err := NewQuerier(Config{Locals: []netip.AddrPort{lanLocal}, Networks: []netip.Prefix{lanNet}})
	if err != nil {
		b.Fatal(err)
	}
	if err := q.Resolve(testName); err != nil {
		b.Fatal(err)
	}
	m := Message{Flags: FlagResponse, Answers: []Record{AddressRecord(knownNames[0], testAddrs[0], 120, true)}}
	raw, err := m.AppendTo(nil)
	if err != nil {
		b.Fatal(err)
	}
	tb := shared.TaggedBytes{Now: t0, Transport: shared.TransportContext{Local: lanLocal, Peer: lanPeer}, Message: raw}
	b.ReportAllocs()
	for b.Loop() {
		if err := q.HandleRead(tb); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkResponderQuery: a query for one of our names, answered.
func BenchmarkResponderQuery(b *testing.B) {
	r, err := NewResponder(Config{Locals: []netip.AddrPort{lanLocal}, Networks: []netip.Prefix{lanNet}, Rand: &cycleRand{}})
	if err != nil {
		b.Fatal(err)
	}
	name, err := r.Publish(testAddrs[0])
	if err != nil {
		b.Fatal(err)
	}
	r.PollEvent()
	raw := queryMsg(b, name, TypeA)
	now := t0
	b.ReportAllocs()
	for b.Loop() {
		now = now.Add(2 * time.Second) // past the rate limit: every query is answered
		if err := r.HandleRead(shared.TaggedBytes{Now: now, Transport: shared.TransportContext{Local: GroupIPv4, Peer: lanPeer}, Message: raw}); err != nil {
			b.Fatal(err)
		}
		for {
			if _, ok := r.PollWrite(); !ok {
				break
			}
		}
	}
}

// TestMemoryAtLimits counts the heap a Querier holds with MaxNames names
// asked and MaxCache answers cached, and a Responder with MaxNames names
// published (the defaults), overhead included: 100 of each, measured
// together.
func TestMemoryAtLimits(t *testing.T) {
	const n = 100
	measure := func(build func() any) uint64 {
		var keep []any
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		for range n {
			keep = append(keep, build())
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		runtime.KeepAlive(keep)
		return (after.HeapAlloc - min(after.HeapAlloc, before.HeapAlloc)) / n
	}
	qb := measure(func() any {
		q, err := NewQuerier(Config{Locals: []netip.AddrPort{lanLocal}, Networks: []netip.Prefix{lanNet}, MaxEvents: 256})
		if err != nil {
			t.Fatal(err)
		}
		if err := q.HandleTimeout(t0); err != nil {
			t.Fatal(err)
		}
		for i := range DefaultMaxCache + DefaultMaxNames {
			if err := q.Resolve(uuidName(i)); err != nil {
				t.Fatal(err)
			}
			if i < DefaultMaxCache {
				m := Message{Flags: FlagResponse, Answers: []Record{AddressRecord(uuidName(i), testAddrs[0], 120, true)}}
				raw, err := m.AppendTo(nil)
				if err != nil {
					t.Fatal(err)
				}
				if err := q.HandleRead(shared.TaggedBytes{Now: t0, Transport: shared.TransportContext{Local: lanLocal, Peer: lanPeer}, Message: raw}); err != nil {
					t.Fatal(err)
				}
			}
			for {
				if _, ok := q.PollWrite(); !ok {
					break
				}
			}
		}
		q.events.Clear()
		if len(q.pending) != DefaultMaxNames || len(q.cache) != DefaultMaxCache {
			t.Fatalf("%d pending, %d cached", len(q.pending), len(q.cache))
		}
		return q
	})
	rb := measure(func() any {
		r, err := NewResponder(Config{Locals: []netip.AddrPort{lanLocal}, Networks: []netip.Prefix{lanNet}})
		if err != nil {
			t.Fatal(err)
		}
		for i := range DefaultMaxNames {
			if _, err := r.Publish(netip.AddrFrom4([4]byte{192, 168, 77, byte(i + 1)})); err != nil {
				t.Fatal(err)
			}
		}
		r.events.Clear()
		return r
	})
	t.Logf("Querier with %d names asked and %d cached: %d bytes; Responder with %d names: %d bytes", DefaultMaxNames, DefaultMaxCache, qb, DefaultMaxNames, rb)
	if qb > 24<<10 || rb > 16<<10 {
		t.Fatalf("Querier %d bytes (limit 24 KiB), Responder %d bytes (limit 16 KiB)", qb, rb)
	}
}
