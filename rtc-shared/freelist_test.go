package shared

import (
	"math"
	"testing"
)

var testBounds = BufferBounds{Count: 4, MinCap: 256, MaxCap: 2048}

func TestFreeListBounds(t *testing.T) {
	var f FreeList
	for _, c := range []int{0, 1, 255, 2049, 1 << 20} {
		if f.Put(make([]byte, 0, c), testBounds) {
			t.Errorf("Put(cap %d) kept a buffer outside [256, 2048]", c)
		}
	}
	for _, c := range []int{256, 2048, 1000, 300} {
		if !f.Put(make([]byte, 10, c), testBounds) {
			t.Fatalf("Put(cap %d) refused a buffer within the bounds", c)
		}
	}
	if f.Put(make([]byte, 0, 500), testBounds) {
		t.Error("Put kept a fifth buffer with Count 4")
	}
	if f.Len() != 4 || f.Bytes() != 256+2048+1000+300 {
		t.Fatalf("Len %d Bytes %d, want 4 and %d", f.Len(), f.Bytes(), 256+2048+1000+300)
	}
	if (BufferBounds{}).Keeps(0) || f.Put(make([]byte, 0, 256), BufferBounds{}) {
		t.Error("zero bounds keep something")
	}
}

func TestFreeListGet(t *testing.T) {
	var f FreeList
	for _, c := range []int{256, 2048, 300} {
		f.Put(make([]byte, 7, c), testBounds)
	}
	// The most recently kept buffer that fits.
	if b := f.Get(100, testBounds); cap(b) != 300 || len(b) != 0 {
		t.Fatalf("Get(100): len %d cap %d, want an empty buffer of cap 300", len(b), cap(b))
	}
	if b := f.Get(1000, testBounds); cap(b) != 2048 {
		t.Fatalf("Get(1000): cap %d, want the kept 2048", cap(b))
	}
	if b := f.Get(1000, testBounds); cap(b) != 1000 {
		t.Fatalf("Get(1000) with only a 256 kept: cap %d, want a fresh 1000", cap(b))
	}
	if f.Len() != 1 {
		t.Fatalf("Len %d, want the 256 still kept", f.Len())
	}
	if b := f.Get(1, testBounds); cap(b) != 256 || f.Len() != 0 {
		t.Fatalf("Get(1): cap %d, Len %d", cap(b), f.Len())
	}
	if b := f.Get(1, testBounds); cap(b) != 256 {
		t.Fatalf("fresh Get(1): cap %d, want MinCap 256", cap(b))
	}
	if _, ok := f.Take(0); ok {
		t.Fatal("Take on an empty list found a buffer")
	}
}

// TestFreeListHostileSizes: sizes a careless or hostile caller may pass never
// panic, and never make the list keep more than its bounds.
func TestFreeListHostileSizes(t *testing.T) {
	var f FreeList
	for _, n := range []int{-1, math.MinInt, 0} {
		if b := f.Get(n, testBounds); cap(b) != 256 {
			t.Errorf("Get(%d): cap %d, want 256", n, cap(b))
		}
	}
	if b := f.Get(-5, BufferBounds{MinCap: -9}); b == nil || cap(b) != 0 {
		t.Errorf("Get(-5) with negative MinCap: %v cap %d", b == nil, cap(b))
	}
	for range 1000 {
		f.Put(make([]byte, 0, 512), BufferBounds{Count: -1, MinCap: 1, MaxCap: 1 << 30})
	}
	if f.Len() != 0 {
		t.Fatalf("negative Count kept %d buffers", f.Len())
	}
	// A flood of returns keeps Count buffers, however many come back.
	for range 10000 {
		f.Put(make([]byte, 0, 1024), testBounds)
	}
	if f.Len() != testBounds.Count || f.Bytes() > testBounds.Count*testBounds.MaxCap {
		t.Fatalf("after a flood: Len %d Bytes %d", f.Len(), f.Bytes())
	}
	f.Clear()
	if f.Len() != 0 || f.Bytes() != 0 {
		t.Fatal("Clear kept buffers")
	}
}

func TestFreeListZeroAllocs(t *testing.T) {
	var f FreeList
	f.Put(make([]byte, 0, 1500), testBounds) // grows the list once
	step := func() {
		b := f.Get(1200, testBounds)
		b = append(b, make([]byte, 1200)...)
		f.Put(b, testBounds)
	}
	if n := testing.AllocsPerRun(1000, step); n != 0 {
		t.Fatalf("Get/Put in steady state: %.1f allocations, want 0", n)
	}
}

func BenchmarkFreeList(b *testing.B) {
	var f FreeList
	f.Put(make([]byte, 0, 1500), testBounds)
	b.ReportAllocs()
	for b.Loop() {
		f.Put(f.Get(1200, testBounds), testBounds)
	}
}
