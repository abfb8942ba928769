package dtls

// Buffer reuse. The datagrams PollWrite returns and the plaintexts PollRead
// returns belong to the caller. A caller that is done with one may hand it
// back with ReleaseWrite or ReleaseRead; the Conn then builds later
// datagrams and decrypts later records into such buffers instead of
// allocating. It is optional: a caller that never hands a buffer back gets
// exactly sized fresh buffers, as before.

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

// release keeps b for reuse if it is of a reusable size and there is room.
func (c *Conn) release(b []byte) {
	if n := c.pooledCap(); cap(b) < n || cap(b) > 2*n {
		return // too small to reuse, or too large to keep
	}
	if len(c.free) < maxPooled {
		c.free = append(c.free, b[:0])
	}
}

// buffer returns an empty buffer for n bytes: a released one if one fits,
// else a new one (of pooledCap once the caller hands buffers back).
func (c *Conn) buffer(n int) []byte {
	if n <= c.pooledCap() {
		if k := len(c.free); k > 0 {
			b := c.free[k-1]
			c.free[k-1] = nil
			c.free = c.free[:k-1]
			return b
		}
		if c.recycling {
			return make([]byte, 0, c.pooledCap())
		}
	}
	return make([]byte, 0, n)
}
