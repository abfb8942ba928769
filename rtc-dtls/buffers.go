package dtls

import shared "github.com/sansrtc/rtc/rtc-shared"

// Buffer reuse. The datagrams PollWrite returns and the plaintexts PollRead
// returns belong to the caller. A caller that is done with one may hand it
// back with ReleaseWrite or ReleaseRead; the Conn then builds later
// datagrams and decrypts later records into such buffers instead of
// allocating. It is optional: a caller that never hands a buffer back gets
// exactly sized fresh buffers, as before.

// idleTrim is the number of PollWrite and PollRead calls in a row that
// find nothing after which the Conn gives its kept buffers back: a caller
// that drains both after every input does so after shared.ShrinkAfter
// drains without traffic, as rtc-shared's queues give back their storage.
// An idle connection then holds no buffer (each is 1.5 KB or more); the
// next message allocates once, and the pool fills again.
const idleTrim = 2 * shared.ShrinkAfter

// notePoll counts empty polls toward idleTrim; ok resets the count.
func (c *Conn) notePoll(ok bool) {
	if ok {
		c.idlePolls = 0
		return
	}
	if c.free == nil {
		return
	}
	c.idlePolls++
	if c.idlePolls >= idleTrim {
		c.free, c.idlePolls = nil, 0
	}
}

// ReleaseIdle gives back what the Conn keeps for reuse: the buffers handed
// back with ReleaseWrite and ReleaseRead, and the storage of its empty
// queues (DTLS 1.3: the endpoint's too). Queued output, records and events
// stay. The owner calls it when the connection has gone a while without
// records (rtc: shared.IdleAfter): the Conn sees no time pass while it
// gets no input, so it cannot tell by itself, and counting empty polls
// (idleTrim) takes a minute or more when only consent checks wake the
// owner. It saves about 3 KB of buffers and 1 KB of queue storage per idle
// connection (issue 18); the next record allocates once.
func (c *Conn) ReleaseIdle() {
	c.free, c.idlePolls, c.quiet = nil, 0, quietRecords
	c.out.Release()
	c.reads.Release()
	c.events.Release()
	if c.v13 != nil {
		c.v13.ReleaseIdle()
	}
}

// maxPooled bounds the buffers kept for reuse: at most maxPooled ×
// pooledCap bytes per Conn.
const maxPooled = 64

// pooledCap is the capacity of reusable buffers: a datagram of the
// configured MTU, and at least 1500 bytes so a peer's records of a larger
// MTU fit too.
func (c *Conn) pooledCap() int { return max(c.cfg.mtu(), 1500) }

// ReleaseWrite gives back a datagram returned by PollWrite once it was sent
// and will not be touched again. Optional: it only saves allocations.
func (c *Conn) ReleaseWrite(b []byte) {
	c.recycling = true
	c.release(b)
}

// ReleaseRead gives back a plaintext returned by PollRead once the caller
// is done with it. Optional, like ReleaseWrite.
func (c *Conn) ReleaseRead(b []byte) {
	c.recycling = true
	c.release(b)
}

// bufferBounds: up to maxPooled buffers of pooledCap to 2 × pooledCap
// bytes (too small to reuse, or too large to keep, are let go).
func (c *Conn) bufferBounds() shared.BufferBounds {
	n := c.pooledCap()
	return shared.BufferBounds{Count: maxPooled, MinCap: n, MaxCap: 2 * n}
}

// freeList is the Conn's free list.
func (c *Conn) freeList() *shared.FreeList { return &c.free }

// release keeps b for reuse if it is of a reusable size and there is room.
func (c *Conn) release(b []byte) { c.freeList().Put(b, c.bufferBounds()) }

// After ReleaseIdle, the first quietRecords buffers of at most quietMax
// bytes are made to size instead of refilling the pool: an idle
// connection's only records are an SCTP HEARTBEAT and its ack each way
// every 30 s (RFC 9260 §8.3), four buffers of under 100 bytes, which
// would otherwise take four pooled buffers of 1.5 KB each, kept until the
// next release a second later (issue 18: 6 KB per idle PeerConnection,
// all at once when connections set up together send their heartbeats
// together). A larger buffer, or more small ones, means traffic: the pool
// is used again.
const (
	quietRecords = 8
	quietMax     = 256
)

// buffer returns an empty buffer for n bytes: a released one if one fits,
// else a new one (of pooledCap once the caller hands buffers back; of n
// bytes for the small records of an idle connection, see quietRecords).
func (c *Conn) buffer(n int) []byte {
	f := c.freeList()
	if n > c.pooledCap() || !c.recycling && f.Len() == 0 {
		return make([]byte, 0, n)
	}
	if c.quiet > 0 && f.Len() == 0 {
		if n <= quietMax {
			c.quiet--
			return make([]byte, 0, n)
		}
		c.quiet = 0
	}
	return f.Get(n, c.bufferBounds())
}
