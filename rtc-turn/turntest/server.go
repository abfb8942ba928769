// Package turntest is a minimal TURN server (RFC 8656) for tests on the
// simulated network (rtc-shared/netsim): long-term credentials with MD5 or
// SHA-256 keys and nonce expiry, Allocate, Refresh, CreatePermission,
// ChannelBind, Send/Data indications, ChannelData, and Binding requests (it
// doubles as a STUN server). It is a test helper, not a production server:
// no quotas beyond the relay port pool, no TCP relaying, no ICMP.
package turntest

import (
	"encoding/binary"
	"net/netip"
	"time"

	shared "github.com/sansrtc/rtc/rtc-shared"
	stun "github.com/sansrtc/rtc/rtc-stun"
	turn "github.com/sansrtc/rtc/rtc-turn"
)

// Config configures a Server.
type Config struct {
	// Addr is the address clients reach the server on.
	Addr netip.AddrPort
	// RelayIP is the IP of relayed addresses; RelayIP6 (optional) serves
	// REQUESTED-ADDRESS-FAMILY IPv6. If RelayIP is invalid, Addr's IP is used.
	RelayIP, RelayIP6 netip.Addr
	// Ports is how many relayed ports exist per relay IP, starting at
	// 49152. If zero, 32.
	Ports int
	// Realm is the realm. If empty, "test".
	Realm string
	// Users maps usernames to passwords.
	Users map[string]string
	// SHA256 offers PASSWORD-ALGORITHMS with SHA-256 first (RFC 8489 §9.2.4).
	SHA256 bool
	// NonceLifetime makes the nonce go stale after this long, answering 438
	// (RFC 8489 §9.2.5). If zero, nonces never go stale.
	NonceLifetime time.Duration
	// MaxLifetime caps allocation lifetimes. If zero, 3600 s.
	MaxLifetime time.Duration
}

type fiveTuple struct {
	client netip.AddrPort
	proto  shared.TransportProtocol
}

type alloc struct {
	tuple    fiveTuple
	relay    netip.AddrPort
	expires  time.Time
	perms    map[netip.Addr]time.Time
	chans    map[uint16]netip.AddrPort
	chanOf   map[netip.AddrPort]uint16
	username string
	key      []byte
	alg      stun.PasswordAlgorithm
	txid     stun.TransactionID
}

// Stats counts what the server did.
type Stats struct {
	Allocations, Refreshes, Permissions, Channels uint64
	Relayed, Unauthorized, StaleNonces, Dropped   uint64
}

// Server is the TURN server. Add it to a netsim with Addrs().
type Server struct {
	cfg     Config
	now     time.Time
	nonce   string
	nonceAt time.Time
	seq     int
	allocs  map[fiveTuple]*alloc
	byRelay map[netip.AddrPort]*alloc
	out     []shared.TaggedBytes
	msg     stun.Message
	Stats   Stats
}

// New returns a server.
func New(cfg Config) *Server {
	if cfg.Realm == "" {
		cfg.Realm = "test"
	}
	if cfg.Ports <= 0 {
		cfg.Ports = 32
	}
	if !cfg.RelayIP.IsValid() {
		cfg.RelayIP = cfg.Addr.Addr()
	}
	if cfg.MaxLifetime <= 0 {
		cfg.MaxLifetime = time.Hour
	}
	s := &Server{cfg: cfg, allocs: map[fiveTuple]*alloc{}, byRelay: map[netip.AddrPort]*alloc{}}
	s.newNonce()
	return s
}

// Addrs returns every address the server owns: Addr and the relay ports.
func (s *Server) Addrs() []netip.AddrPort {
	out := []netip.AddrPort{s.cfg.Addr}
	for _, ip := range []netip.Addr{s.cfg.RelayIP, s.cfg.RelayIP6} {
		if !ip.IsValid() {
			continue
		}
		for i := 0; i < s.cfg.Ports; i++ {
			ap := netip.AddrPortFrom(ip, uint16(49152+i))
			if ap != s.cfg.Addr {
				out = append(out, ap)
			}
		}
	}
	return out
}

// Allocations returns the number of live allocations.
func (s *Server) Allocations() int { return len(s.allocs) }

func (s *Server) newNonce() {
	s.seq++
	s.nonce = "nonce" + string(rune('a'+s.seq%26)) + "x" + itoa(s.seq)
	s.nonceAt = s.now
}

func itoa(v int) string {
	var b [20]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + v%10)
		v /= 10
		if v == 0 {
			return string(b[i:])
		}
	}
}

// PollWrite returns the next datagram.
func (s *Server) PollWrite() (shared.TaggedBytes, bool) {
	if len(s.out) == 0 {
		return shared.TaggedBytes{}, false
	}
	m := s.out[0]
	s.out = s.out[1:]
	return m, true
}

// HandleTimeout only advances the clock; expiry is checked lazily.
func (s *Server) HandleTimeout(now time.Time) error {
	if now.After(s.now) {
		s.now = now
	}
	return nil
}

// PollTimeout reports no deadline.
func (s *Server) PollTimeout() (time.Time, bool) { return time.Time{}, false }

func (s *Server) send(from, to netip.AddrPort, proto shared.TransportProtocol, b []byte) {
	s.out = append(s.out, shared.TaggedBytes{Now: s.now, Transport: shared.TransportContext{Local: from, Peer: to, Protocol: proto}, Message: b})
}

// HandleRead handles a datagram from a client (to Addr) or from a peer (to
// a relayed address). Over TCP each HandleRead must carry whole messages.
func (s *Server) HandleRead(m shared.TaggedBytes) error {
	if m.Now.After(s.now) {
		s.now = m.Now
	}
	s.expire()
	if m.Transport.Local != s.cfg.Addr {
		return s.fromPeer(m)
	}
	b := m.Message
	if m.Transport.Protocol == shared.UDP {
		s.fromClient(m.Transport, b) // one datagram, padding optional (RFC 8656 §12.5)
		return nil
	}
	for len(b) > 0 {
		n := messageLen(b)
		if n <= 0 || n > len(b) {
			s.Stats.Dropped++
			return nil
		}
		s.fromClient(m.Transport, b[:n])
		b = b[n:]
	}
	return nil
}

func messageLen(b []byte) int {
	if len(b) < 4 {
		return -1
	}
	l := int(binary.BigEndian.Uint16(b[2:4]))
	if b[0]&0xC0 == 0x40 {
		return 4 + (l+3)&^3
	}
	return 20 + l
}

func (s *Server) expire() {
	for k, a := range s.allocs {
		if !s.now.Before(a.expires) {
			delete(s.allocs, k)
			delete(s.byRelay, a.relay)
		}
	}
}

func (s *Server) fromPeer(m shared.TaggedBytes) error {
	a := s.byRelay[m.Transport.Local]
	if a == nil {
		s.Stats.Dropped++
		return nil
	}
	peer := m.Transport.Peer
	if exp, ok := a.perms[peer.Addr()]; !ok || !s.now.Before(exp) {
		s.Stats.Dropped++ // RFC 8656 §9: no permission, silently discarded
		return nil
	}
	s.Stats.Relayed++
	tcp := a.tuple.proto == shared.TCP
	if ch, ok := a.chanOf[peer]; ok {
		b := binary.BigEndian.AppendUint16(nil, ch)
		b = binary.BigEndian.AppendUint16(b, uint16(len(m.Message)))
		b = append(b, m.Message...)
		for i := len(m.Message); tcp && i%4 != 0; i++ {
			b = append(b, 0)
		}
		s.send(s.cfg.Addr, a.tuple.client, a.tuple.proto, b)
		return nil
	}
	var id stun.TransactionID
	id[0] = byte(s.seq)
	binary.BigEndian.PutUint64(id[4:], uint64(s.now.UnixNano()))
	bl := stun.NewBuilder(nil, stun.MessageType{Method: stun.MethodData, Class: stun.ClassIndication}, id)
	bl.AddXORPeerAddress(peer)
	bl.AddData(m.Message)
	out, _ := bl.Bytes()
	s.send(s.cfg.Addr, a.tuple.client, a.tuple.proto, out)
	return nil
}

func (s *Server) fromClient(tr shared.TransportContext, b []byte) {
	tuple := fiveTuple{client: tr.Peer, proto: tr.Protocol}
	a := s.allocs[tuple]
	if b[0]&0xC0 == 0x40 {
		if a == nil || len(b) < 4 {
			s.Stats.Dropped++
			return
		}
		ch := binary.BigEndian.Uint16(b[0:2])
		l := int(binary.BigEndian.Uint16(b[2:4]))
		peer, ok := a.chans[ch]
		if !ok || 4+l > len(b) {
			s.Stats.Dropped++
			return
		}
		s.relay(a, peer, b[4:4+l])
		return
	}
	m := &s.msg
	if stun.Parse(b, m) != nil {
		s.Stats.Dropped++
		return
	}
	switch {
	case m.Type == stun.BindingRequest:
		r := stun.NewBuilder(nil, stun.BindingSuccess, m.TransactionID)
		r.AddXORMappedAddress(tr.Peer)
		r.AddFingerprint()
		out, _ := r.Bytes()
		s.send(s.cfg.Addr, tr.Peer, tr.Protocol, out)
	case m.Type.Method == stun.MethodSend && m.Type.Class == stun.ClassIndication:
		peer, err1 := m.XORPeerAddress()
		data, err2 := m.Data()
		if a == nil || err1 != nil || err2 != nil {
			s.Stats.Dropped++
			return
		}
		s.relay(a, peer, data)
	case m.Type.Class == stun.ClassRequest:
		s.request(tr, tuple, a, m)
	default:
		s.Stats.Dropped++
	}
}

func (s *Server) relay(a *alloc, peer netip.AddrPort, data []byte) {
	if exp, ok := a.perms[peer.Addr()]; !ok || !s.now.Before(exp) {
		s.Stats.Dropped++
		return
	}
	s.Stats.Relayed++
	s.send(a.relay, peer, shared.UDP, append([]byte(nil), data...))
}

// authenticate implements the server side of RFC 8489 §9.2.4; it returns
// the key, or nil after answering with an error.
func (s *Server) authenticate(tr shared.TransportContext, m *stun.Message) ([]byte, stun.PasswordAlgorithm) {
	if !m.HasIntegrity() {
		s.Stats.Unauthorized++
		s.reject(tr, m, stun.CodeUnauthorized, nil)
		return nil, 0
	}
	user, err1 := m.Username()
	realm, err2 := m.Realm()
	nonce, err3 := m.Nonce()
	if err1 != nil || err2 != nil || err3 != nil {
		s.reject(tr, m, stun.CodeBadRequest, nil)
		return nil, 0
	}
	pwd, ok := s.cfg.Users[string(user)]
	if !ok || string(realm) != s.cfg.Realm {
		s.Stats.Unauthorized++
		s.reject(tr, m, stun.CodeUnauthorized, nil)
		return nil, 0
	}
	if s.cfg.NonceLifetime > 0 && s.now.Sub(s.nonceAt) >= s.cfg.NonceLifetime {
		s.newNonce()
	}
	if string(nonce) != s.nonce {
		s.Stats.StaleNonces++
		s.reject(tr, m, stun.CodeStaleNonce, nil)
		return nil, 0
	}
	alg, err := m.PasswordAlgorithm()
	if err != nil {
		alg = stun.PasswordAlgorithmMD5
	}
	key, err := turn.LongTermKey(alg, string(user), s.cfg.Realm, pwd)
	if err != nil || stun.NewIntegrity(key).Check(m) != nil {
		s.Stats.Unauthorized++
		s.reject(tr, m, stun.CodeUnauthorized, nil)
		return nil, 0
	}
	return key, alg
}

func (s *Server) reject(tr shared.TransportContext, m *stun.Message, code stun.ErrorCode, key []byte) {
	r := stun.NewBuilder(nil, stun.MessageType{Method: m.Type.Method, Class: stun.ClassError}, m.TransactionID)
	r.AddErrorCode(code, "")
	if code == stun.CodeUnauthorized || code == stun.CodeStaleNonce {
		r.AddRealm(s.cfg.Realm)
		r.AddNonce(s.nonce)
		if s.cfg.SHA256 {
			r.AddPasswordAlgorithms([]stun.PasswordAlgorithm{stun.PasswordAlgorithmSHA256, stun.PasswordAlgorithmMD5})
		}
	}
	if key != nil {
		r.AddMessageIntegrity(stun.NewIntegrity(key))
	}
	r.AddFingerprint()
	out, _ := r.Bytes()
	s.send(s.cfg.Addr, tr.Peer, tr.Protocol, out)
}

func (s *Server) success(tr shared.TransportContext, m *stun.Message, key []byte, alg stun.PasswordAlgorithm, add func(*stun.Builder)) {
	r := stun.NewBuilder(nil, stun.MessageType{Method: m.Type.Method, Class: stun.ClassSuccess}, m.TransactionID)
	add(&r)
	if alg == stun.PasswordAlgorithmSHA256 {
		r.AddMessageIntegritySHA256(stun.NewIntegrity(key))
	} else {
		r.AddMessageIntegrity(stun.NewIntegrity(key))
	}
	r.AddFingerprint()
	out, _ := r.Bytes()
	s.send(s.cfg.Addr, tr.Peer, tr.Protocol, out)
}

func (s *Server) request(tr shared.TransportContext, tuple fiveTuple, a *alloc, m *stun.Message) {
	key, alg := s.authenticate(tr, m)
	if key == nil {
		return
	}
	switch m.Type.Method {
	case stun.MethodAllocate:
		s.allocate(tr, tuple, a, m, key, alg)
	case stun.MethodRefresh:
		if a == nil {
			s.reject(tr, m, stun.CodeAllocationMismatch, key)
			return
		}
		lt := s.lifetime(m)
		s.Stats.Refreshes++
		if lt == 0 {
			delete(s.allocs, tuple)
			delete(s.byRelay, a.relay)
		} else {
			a.expires = s.now.Add(lt)
		}
		s.success(tr, m, key, alg, func(b *stun.Builder) { b.AddLifetime(uint32(lt / time.Second)) })
	case stun.MethodCreatePermission:
		if a == nil {
			s.reject(tr, m, stun.CodeAllocationMismatch, key)
			return
		}
		n := 0
		for _, at := range m.All() {
			if at.Type != stun.AttrXORPeerAddress {
				continue
			}
			peer, err := m.DecodeAddress(at)
			if err != nil {
				s.reject(tr, m, stun.CodeBadRequest, key)
				return
			}
			a.perms[peer.Addr()] = s.now.Add(300 * time.Second)
			n++
		}
		if n == 0 {
			s.reject(tr, m, stun.CodeBadRequest, key)
			return
		}
		s.Stats.Permissions++
		s.success(tr, m, key, alg, func(*stun.Builder) {})
	case stun.MethodChannelBind:
		if a == nil {
			s.reject(tr, m, stun.CodeAllocationMismatch, key)
			return
		}
		ch, err1 := m.ChannelNumber()
		peer, err2 := m.XORPeerAddress()
		if err1 != nil || err2 != nil || ch < 0x4000 || ch > 0x4FFF {
			s.reject(tr, m, stun.CodeBadRequest, key)
			return
		}
		// RFC 8656 §11.2: a number bound to another peer, or a peer bound
		// to another number, is a 400.
		if p, ok := a.chans[ch]; ok && p != peer {
			s.reject(tr, m, stun.CodeBadRequest, key)
			return
		}
		if c, ok := a.chanOf[peer]; ok && c != ch {
			s.reject(tr, m, stun.CodeBadRequest, key)
			return
		}
		a.chans[ch] = peer
		a.chanOf[peer] = ch
		a.perms[peer.Addr()] = s.now.Add(300 * time.Second)
		s.Stats.Channels++
		s.success(tr, m, key, alg, func(*stun.Builder) {})
	default:
		s.reject(tr, m, stun.CodeBadRequest, key)
	}
}

func (s *Server) lifetime(m *stun.Message) time.Duration {
	lt := 600 * time.Second
	if v, err := m.Lifetime(); err == nil {
		lt = time.Duration(v) * time.Second
	}
	return min(lt, s.cfg.MaxLifetime)
}

func (s *Server) allocate(tr shared.TransportContext, tuple fiveTuple, a *alloc, m *stun.Message, key []byte, alg stun.PasswordAlgorithm) {
	if a != nil {
		if a.txid == m.TransactionID {
			// RFC 8656 §7.2: a retransmitted Allocate gets the same success.
			s.success(tr, m, key, alg, func(b *stun.Builder) {
				b.AddXORRelayedAddress(a.relay)
				b.AddXORMappedAddress(tr.Peer)
				b.AddLifetime(uint32(a.expires.Sub(s.now) / time.Second))
			})
			return
		}
		s.reject(tr, m, stun.CodeAllocationMismatch, key)
		return
	}
	if t, err := m.RequestedTransport(); err != nil || t != 17 {
		s.reject(tr, m, stun.CodeUnsupportedTransportProtocol, key)
		return
	}
	ip := s.cfg.RelayIP
	if fam, err := m.RequestedAddressFamily(); err == nil && fam == 2 {
		if !s.cfg.RelayIP6.IsValid() {
			s.reject(tr, m, stun.CodeAddressFamilyNotSupported, key)
			return
		}
		ip = s.cfg.RelayIP6
	}
	var relay netip.AddrPort
	for i := 0; i < s.cfg.Ports; i++ {
		ap := netip.AddrPortFrom(ip, uint16(49152+i))
		if _, used := s.byRelay[ap]; !used && ap != s.cfg.Addr {
			relay = ap
			break
		}
	}
	if !relay.IsValid() {
		s.reject(tr, m, stun.CodeInsufficientCapacity, key)
		return
	}
	lt := s.lifetime(m)
	if lt == 0 {
		lt = 600 * time.Second
	}
	user, _ := m.Username()
	a = &alloc{tuple: tuple, relay: relay, expires: s.now.Add(lt), perms: map[netip.Addr]time.Time{},
		chans: map[uint16]netip.AddrPort{}, chanOf: map[netip.AddrPort]uint16{}, username: string(user), key: key, alg: alg, txid: m.TransactionID}
	s.allocs[tuple] = a
	s.byRelay[relay] = a
	s.Stats.Allocations++
	s.success(tr, m, key, alg, func(b *stun.Builder) {
		b.AddXORRelayedAddress(relay)
		b.AddXORMappedAddress(tr.Peer)
		b.AddLifetime(uint32(lt / time.Second))
	})
}
