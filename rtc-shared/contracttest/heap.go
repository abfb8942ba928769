package contracttest

import "runtime"

// LiveHeap returns the live heap in bytes after two full collections (the
// second frees what the first only found unreachable), for tests that
// measure what a connection or a flood leaves retained: the difference of
// two calls around the work, divided by the number of instances.
func LiveHeap() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}
