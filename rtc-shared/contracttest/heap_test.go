package contracttest

import (
	"runtime"
	"testing"
)

// TestLiveHeap: memory still referenced counts, memory let go does not.
func TestLiveHeap(t *testing.T) {
	const n = 1 << 20
	before := LiveHeap()
	kept := make([]byte, n)
	if grew := int64(LiveHeap()) - int64(before); grew < n {
		t.Fatalf("1 MiB kept: the live heap grew by %d bytes", grew)
	}
	runtime.KeepAlive(kept)
	kept = nil
	if grew := int64(LiveHeap()) - int64(before); grew >= n {
		t.Fatalf("1 MiB let go: the live heap is still %d bytes above", grew)
	}
	_ = kept
}
