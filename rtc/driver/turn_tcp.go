package driver

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"time"

	"github.com/sansrtc/rtc/rtc"
	shared "github.com/sansrtc/rtc/rtc-shared"
)

// TURN over TCP and TLS (RFC 8656 §3.1). The ICE agent's TURN client
// frames STUN and ChannelData for a stream itself (rtc-turn); what it
// hands the driver is a datagram with Transport.Protocol = shared.TCP,
// Local = the host address the allocation was made from and Peer = the
// server. The driver keeps one connection per (Local, Peer), dialed from
// Local's IP on the first datagram, over crypto/tls for a turns: server,
// and feeds what it reads back to the PeerConnection under the same names
// (rtc-ice doc, "TURN over TCP or TLS").

// Limits of a stream.
const (
	// maxStreamQueue bounds the bytes waiting for one stream (dialing, or
	// a slow server); beyond it datagrams are dropped and counted, as a
	// full UDP socket would (the protocols above retransmit).
	maxStreamQueue = 4 << 20
	// streamDialTimeout bounds a connection attempt, TLS handshake included.
	streamDialTimeout = 10 * time.Second
	// streamReadSize is the read buffer of a stream.
	streamReadSize = 64 << 10
)

type streamKey struct{ local, peer netip.AddrPort }

// streams are a connection's TCP/TLS connections to TURN servers, used
// from the loop (write) and the stream goroutines.
type streams struct {
	mu sync.Mutex
	m  map[streamKey]*stream
	// gate holds the connections accepted on c's own ICE-TCP listeners
	// until their first frame (tcpport.go).
	gate tcpGate
}

// stream is one connection to a TURN server.
type stream struct {
	c       *Conn
	key     streamKey
	mu      sync.Mutex
	pending [][]byte
	queued  int
	kick    chan struct{}
	// raw: an ICE-TCP connection (RFC 4571 framed by the PeerConnection),
	// whose bytes go to HandleRead as read; else a TURN stream, cut into
	// whole STUN/ChannelData messages.
	raw bool
}

// writeStream queues a datagram for its stream, dialing it on first use.
// It runs on the loop and never blocks.
func (c *Conn) writeStream(tb shared.TaggedBytes) {
	key := streamKey{tb.Transport.Local, tb.Transport.Peer}
	st := &c.streams
	st.mu.Lock()
	s := st.m[key]
	if s == nil && !c.isTURNServer(key.peer) {
		st.mu.Unlock()
		// ICE-TCP to a peer without a connection (closed meanwhile):
		// dropped, as a UDP send to nobody; ICE's checks decide.
		c.sendErr(fmt.Errorf("driver: no TCP connection %v -> %v", key.local, key.peer))
		if c.release != nil {
			c.release(tb.Message)
		}
		return
	}
	if s == nil {
		if st.m == nil {
			st.m = make(map[streamKey]*stream)
		}
		s = &stream{c: c, key: key, kick: make(chan struct{}, 1)}
		st.m[key] = s
		tr, _ := c.pc.TURNTransport(key.peer)
		go s.run(tr.ServerName, tr.TLS)
	}
	st.mu.Unlock()
	s.mu.Lock()
	if s.queued+len(tb.Message) > maxStreamQueue {
		s.mu.Unlock()
		c.sendErr(fmt.Errorf("driver: stream to %v: %d bytes queued, datagram dropped", key.peer, s.queued))
	} else {
		s.pending = append(s.pending, append([]byte(nil), tb.Message...))
		s.queued += len(tb.Message)
		s.mu.Unlock()
	}
	if c.release != nil {
		c.release(tb.Message)
	}
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

// run dials the server, then writes what is queued until the connection
// ends; a second goroutine reads.
func (s *stream) run(serverName string, useTLS bool) {
	c := s.c
	ctx, cancel := context.WithTimeout(context.Background(), streamDialTimeout)
	go func() {
		select {
		case <-c.done:
			cancel()
		case <-ctx.Done():
		}
	}()
	nc, err := s.dial(ctx, serverName, useTLS)
	cancel()
	if err != nil {
		c.log.Debug("driver: TURN stream dial failed", "server", s.key.peer, "tls", useTLS, "err", err)
		s.forget()
		return
	}
	c.log.Debug("driver: TURN stream connected", "server", s.key.peer, "tls", useTLS, "local", nc.LocalAddr())
	go s.read(nc)
	s.writeLoop(nc)
}

// writeLoop writes what is queued until the connection or c ends.
func (s *stream) writeLoop(nc net.Conn) {
	c := s.c
	defer nc.Close()
	for {
		select {
		case <-c.done:
			return
		case <-s.kick:
		}
		s.mu.Lock()
		out := s.pending
		s.pending, s.queued = nil, 0
		s.mu.Unlock()
		for _, b := range out {
			if _, err := nc.Write(b); err != nil {
				c.log.Debug("driver: TURN stream write failed", "server", s.key.peer, "err", err)
				s.forget()
				return
			}
		}
	}
}

func (s *stream) dial(ctx context.Context, serverName string, useTLS bool) (net.Conn, error) {
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: s.key.local.Addr().AsSlice()}}
	nc, err := d.DialContext(ctx, "tcp", s.key.peer.String())
	if err != nil || !useTLS {
		return nc, err
	}
	tc := tls.Client(nc, &tls.Config{ServerName: serverName, RootCAs: s.c.d.cfg.TLSRoots, MinVersion: tls.VersionTLS12})
	if err := tc.HandshakeContext(ctx); err != nil {
		nc.Close()
		return nil, err
	}
	return tc, nil
}

// forget removes the stream: the next datagram dials again (the TURN
// client's retransmissions, or its refresh, bring one).
func (s *stream) forget() {
	st := &s.c.streams
	st.mu.Lock()
	if st.m[s.key] == s {
		delete(st.m, s.key)
	}
	st.mu.Unlock()
}

// read splits the stream into whole STUN and ChannelData messages and
// hands each to the PeerConnection, on the loop. A message must arrive
// whole: the PeerConnection demultiplexes by the first byte (RFC 7983),
// and a TCP segment may start anywhere in a message. A stream whose bytes
// are neither (RFC 8656 §12.5 framing lost) is closed; the next datagram
// for the server dials again.
func (s *stream) read(nc net.Conn) {
	c := s.c
	buf := make([]byte, streamReadSize+maxStreamFrame)
	have := 0
	for {
		n, err := nc.Read(buf[have:])
		if s.raw && n > 0 {
			s.handOver(buf[:n], nc)
			n = 0
		}
		have += n
		off := 0
		for {
			size, ok := streamFrame(buf[off:have])
			if size < 0 {
				c.log.Debug("driver: TURN stream framing lost, closing", "server", s.key.peer)
				nc.Close()
				s.forget()
				return
			}
			if !ok {
				break
			}
			m := buf[off : off+size]
			off += size
			herr := c.Do(func(pc *rtc.PeerConnection) error {
				return pc.HandleRead(shared.TaggedBytes{Now: time.Now(),
					Transport: shared.TransportContext{Local: s.key.local, Peer: s.key.peer, Protocol: shared.TCP},
					Message:   m})
			})
			if errors.Is(herr, ErrClosed) {
				nc.Close()
				return
			}
			if herr != nil {
				c.handleErrAsync(herr)
			}
		}
		have = copy(buf, buf[off:have])
		if err != nil {
			nc.Close()
			s.forget()
			if s.raw {
				if err := c.Do(func(pc *rtc.PeerConnection) error { pc.TCPClosed(s.key.peer); return nil }); err != nil && !errors.Is(err, ErrClosed) {
					c.log.Debug("driver: TCPClosed", "err", err)
				}
			}
			return
		}
	}
}

// handOver gives bytes read from an ICE-TCP connection to the
// PeerConnection as they are (it reassembles RFC 4571 frames).
func (s *stream) handOver(b []byte, nc net.Conn) {
	herr := s.c.Do(func(pc *rtc.PeerConnection) error {
		return pc.HandleRead(shared.TaggedBytes{Now: time.Now(),
			Transport: shared.TransportContext{Local: s.key.local, Peer: s.key.peer, Protocol: shared.TCP},
			Message:   b})
	})
	if errors.Is(herr, ErrClosed) {
		nc.Close()
	} else if herr != nil {
		s.c.handleErrAsync(herr)
	}
}

// maxStreamFrame is the largest message on a TURN stream: a STUN header
// and a 16-bit length.
const maxStreamFrame = 20 + 0xffff + 3

// streamFrame returns the size of the message that starts b: a STUN
// message (first two bits 00 and the magic cookie: 20-byte header plus
// its length, a multiple of 4, RFC 8489 §5) or ChannelData (01: 4-byte header plus its length, padded to a
// multiple of four over TCP, RFC 8656 §12.5). ok is false while b holds
// less than that; size is -1 when b starts with neither.
func streamFrame(b []byte) (size int, ok bool) {
	if len(b) < 4 {
		return 0, false
	}
	l := int(b[2])<<8 | int(b[3])
	switch b[0] >> 6 {
	case 0:
		if len(b) < 8 {
			return 0, false
		}
		if b[4] != 0x21 || b[5] != 0x12 || b[6] != 0xa4 || b[7] != 0x42 || l%4 != 0 {
			return -1, false // no magic cookie, or a length STUN never has
		}
		size = 20 + l
	case 1:
		size = (4 + l + 3) &^ 3
	default:
		return -1, false
	}
	return size, len(b) >= size
}

// handleErrAsync logs an error of a Handle* call made from a stream
// goroutine (handleErr belongs to the loop).
func (c *Conn) handleErrAsync(err error) {
	c.log.Debug("driver: TURN stream segment refused", "err", err)
}

// defaultTURNSPort is the default port of turns: (RFC 8656 §3.1, RFC 7065 §3).
const defaultTURNSPort = "5349"
