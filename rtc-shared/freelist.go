package shared

// FreeList keeps byte buffers that a caller handed back (the ReleaseWrite
// and ReleaseRead methods of the machines) so that later output is built in
// them instead of in fresh allocations: once a caller hands buffers back, a
// steady flow allocates nothing. It is the one free-list type of the stack.
//
// It is bounded by a BufferBounds the owner passes to Put and Get: at most
// Count buffers, each with a capacity in [MinCap, MaxCap], so a FreeList
// never holds more than Count × MaxCap bytes of buffers plus Count slice
// headers (24 bytes each on 64-bit platforms). A buffer outside the bounds
// is not kept (the caller's hostile or odd sizes cost nothing); a full list
// keeps nothing more.
//
// The zero value is an empty list. A FreeList is a plain slice so that an
// owner may keep it in a [][]byte field and convert: (*shared.FreeList)(&f).
// Put and Get allocate nothing, except when Put grows the list's backing
// array the first times (at most up to Count entries).
//
// A buffer given to Put must not be used by the caller afterwards: it will
// be handed out again by Get.
type FreeList [][]byte

// BufferBounds says which buffers a FreeList keeps and how big a fresh one
// is. The zero value keeps nothing.
type BufferBounds struct {
	Count  int // most buffers kept
	MinCap int // smallest capacity kept, and the least capacity of a fresh buffer
	MaxCap int // largest capacity kept
}

// Keeps reports whether a buffer of capacity c is within the bounds.
func (bd BufferBounds) Keeps(c int) bool { return c > 0 && c >= bd.MinCap && c <= bd.MaxCap }

// Put keeps b (as b[:0]) for reuse if its capacity is within bd and fewer
// than bd.Count buffers are kept; it reports whether b was kept.
func (f *FreeList) Put(b []byte, bd BufferBounds) bool {
	if !bd.Keeps(cap(b)) || len(*f) >= bd.Count {
		return false
	}
	*f = append(*f, b[:0])
	return true
}

// Get returns an empty buffer with room for at least n bytes: the most
// recently kept one that is big enough, removed from the list, or else a
// fresh one of capacity max(n, bd.MinCap).
func (f *FreeList) Get(n int, bd BufferBounds) []byte {
	if b, ok := f.Take(n); ok {
		return b
	}
	return make([]byte, 0, max(n, bd.MinCap, 0))
}

// Take is Get without the fresh allocation: it returns a kept buffer with
// room for at least n bytes, if there is one.
func (f *FreeList) Take(n int) ([]byte, bool) {
	l := *f
	for i := len(l) - 1; i >= 0; i-- {
		if b := l[i]; cap(b) >= n {
			last := len(l) - 1
			l[i] = l[last]
			l[last] = nil // the list no longer holds the buffer
			*f = l[:last]
			return b, true
		}
	}
	return nil, false
}

// Len returns the number of buffers kept.
func (f *FreeList) Len() int { return len(*f) }

// Bytes returns the capacity of the buffers kept, in bytes (without the
// slice headers: see FreeList for the overhead).
func (f *FreeList) Bytes() int {
	n := 0
	for _, b := range *f {
		n += cap(b)
	}
	return n
}

// Clear drops every buffer kept, for the garbage collector.
func (f *FreeList) Clear() {
	clear(*f)
	*f = (*f)[:0]
}
