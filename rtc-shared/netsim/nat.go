package netsim

import (
	"cmp"
	"net/netip"
	"slices"
	"time"
)

// NAT is a simulated NAPT box with one public address in front of private
// hosts, with the mapping and filtering behaviours of RFC 4787. Create one
// with Sim.AddNAT.
//
// A datagram from a private host to an address outside its NAT is
// translated as it leaves: its source becomes a mapping's external address,
// created on first use and refreshed by every outbound datagram. A datagram
// arriving at the public address is checked against the mappings and the
// filter and translated to the private host's address, or dropped
// (NATNoMapping, NATFiltered). Datagrams between hosts behind the same NAT
// are not translated. Private addresses are not routable from outside:
// sending to a host behind another NAT (or behind any NAT, from outside)
// fails with NoRoute, as on the Internet. NATs do not nest.
type NAT struct {
	sim    *Sim
	cfg    NATConfig
	hosts  []netip.Addr
	byKey  map[mapKey]*mapping
	byPort map[uint16]*mapping
	stats  NATStats
}

// NATStats counts what a NAT did.
type NATStats struct {
	Mappings       uint64 // mappings created
	Expired        uint64 // mappings removed after MappingTimeout without outbound traffic
	Translated     uint64 // outbound datagrams translated
	Admitted       uint64 // inbound datagrams let through
	NoMapping      uint64 // inbound datagrams to a port with no live mapping
	Filtered       uint64 // inbound datagrams refused by the filter
	Hairpinned     uint64 // outbound datagrams sent to the NAT's own public address
	HairpinDenied  uint64 // the same, dropped because Hairpin is off
	PortsExhausted uint64 // outbound datagrams dropped because no port was free
}

// Mapping is one NAT binding.
type Mapping struct {
	Internal netip.AddrPort // the private host's address
	External netip.AddrPort // the public address the outside sees
	// Remote is the external endpoint the mapping is specific to:
	// invalid for endpoint-independent mapping, port 0 for
	// address-dependent mapping.
	Remote  netip.AddrPort
	Expires time.Time // when it lapses unless refreshed by outbound traffic
}

type mapKey struct {
	internal netip.AddrPort
	remote   netip.AddrPort // reduced according to the mapping behaviour
}

type mapping struct {
	Mapping
	key   mapKey
	perms map[netip.AddrPort]time.Time // filter permissions: reduced remote → expiry
}

// AddNAT places a NAT with the given public address in front of the private
// hosts (IP addresses of endpoints added with Add, before or after). It
// panics if the public address is an endpoint's or another NAT's, or if a
// host is already behind a NAT.
func (s *Sim) AddNAT(cfg NATConfig, privateHosts ...netip.Addr) *NAT {
	if !cfg.Public.IsValid() {
		panic("netsim: AddNAT: invalid public address")
	}
	if s.natByPublic[cfg.Public] != nil || s.natByHost[cfg.Public] != nil {
		panic("netsim: AddNAT: public address " + cfg.Public.String() + " already used by a NAT")
	}
	for a := range s.byAddr {
		if a.Addr() == cfg.Public {
			panic("netsim: AddNAT: public address " + cfg.Public.String() + " belongs to an endpoint")
		}
	}
	n := &NAT{
		sim:    s,
		cfg:    cfg,
		hosts:  append([]netip.Addr(nil), privateHosts...),
		byKey:  make(map[mapKey]*mapping),
		byPort: make(map[uint16]*mapping),
	}
	for _, h := range privateHosts {
		if s.natByHost[h] != nil || s.natByPublic[h] != nil {
			panic("netsim: AddNAT: host " + h.String() + " is already behind a NAT")
		}
		s.natByHost[h] = n
	}
	s.natByPublic[cfg.Public] = n
	s.nats = append(s.nats, n)
	return n
}

// Public returns the NAT's public address.
func (n *NAT) Public() netip.Addr { return n.cfg.Public }

// Config returns the NAT's configuration.
func (n *NAT) Config() NATConfig { return n.cfg }

// Stats returns the NAT's counters.
func (n *NAT) Stats() NATStats { return n.stats }

// Mappings returns the live mappings, ordered by external port.
func (n *NAT) Mappings() []Mapping {
	now := n.sim.now
	var out []Mapping
	for _, m := range n.byPort {
		if now.Before(m.Expires) {
			out = append(out, m.Mapping)
		}
	}
	slices.SortFunc(out, func(a, b Mapping) int { return cmp.Compare(a.External.Port(), b.External.Port()) })
	return out
}

// Lookup returns the external address a datagram from internal to remote
// would leave with now, if a live mapping exists (it creates none).
func (n *NAT) Lookup(internal, remote netip.AddrPort) (netip.AddrPort, bool) {
	m := n.live(mapKey{internal, reduce(n.cfg.Mapping, remote)})
	if m == nil {
		return netip.AddrPort{}, false
	}
	return m.External, true
}

// reduce keeps the part of a remote address a behaviour depends on.
func reduce(b Behavior, remote netip.AddrPort) netip.AddrPort {
	switch b {
	case AddressDependent:
		return netip.AddrPortFrom(remote.Addr(), 0)
	case AddressAndPortDependent:
		return remote
	}
	return netip.AddrPort{}
}

// live returns the mapping for key if it has not expired, removing it if it has.
func (n *NAT) live(k mapKey) *mapping {
	m := n.byKey[k]
	if m == nil {
		return nil
	}
	if !n.sim.now.Before(m.Expires) {
		n.expire(m)
		return nil
	}
	return m
}

func (n *NAT) expire(m *mapping) {
	delete(n.byKey, m.key)
	delete(n.byPort, m.External.Port())
	n.stats.Expired++
}

// portFree reports whether an external port can be allocated, clearing an
// expired mapping that holds it.
func (n *NAT) portFree(p uint16) bool {
	m := n.byPort[p]
	if m == nil {
		return true
	}
	if !n.sim.now.Before(m.Expires) {
		n.expire(m)
		return true
	}
	return false
}

// allocPort picks an external port: the internal one with
// PortPreservation, otherwise a random one from the network's seed.
func (n *NAT) allocPort(internal uint16) (uint16, bool) {
	lo, hi := n.cfg.portRange()
	span := hi - lo + 1
	if n.cfg.PortPreservation && int(internal) >= lo && int(internal) <= hi && n.portFree(internal) {
		return internal, true
	}
	for range 64 {
		p := uint16(lo + n.sim.rng.IntN(span))
		if n.portFree(p) {
			return p, true
		}
	}
	start := n.sim.rng.IntN(span)
	for i := range span {
		p := uint16(lo + (start+i)%span)
		if n.portFree(p) {
			return p, true
		}
	}
	return 0, false
}

// outbound translates the source of a datagram from internal to remote,
// creating or refreshing the mapping (RFC 4787 §4.1, REQ-6: outbound
// refresh) and the filter permission (§5).
func (n *NAT) outbound(now time.Time, internal, remote netip.AddrPort) (netip.AddrPort, bool) {
	k := mapKey{internal, reduce(n.cfg.Mapping, remote)}
	m := n.live(k)
	if m == nil {
		port, ok := n.allocPort(internal.Port())
		if !ok {
			n.stats.PortsExhausted++
			return netip.AddrPort{}, false
		}
		m = &mapping{
			Mapping: Mapping{Internal: internal, External: netip.AddrPortFrom(n.cfg.Public, port), Remote: k.remote},
			key:     k,
			perms:   make(map[netip.AddrPort]time.Time),
		}
		n.byKey[k] = m
		n.byPort[port] = m
		n.stats.Mappings++
	}
	exp := now.Add(n.cfg.mappingTimeout())
	m.Expires = exp
	m.perms[reduce(n.cfg.Filtering, remote)] = exp
	n.stats.Translated++
	if remote.Addr() == n.cfg.Public {
		n.stats.Hairpinned++
	}
	return m.External, true
}

// inbound checks a datagram from remote arriving at the public address ext
// and returns the private address to deliver it to, or why it is dropped.
func (n *NAT) inbound(now time.Time, remote, ext netip.AddrPort) (netip.AddrPort, Fate) {
	m := n.byPort[ext.Port()]
	if m != nil && !now.Before(m.Expires) {
		n.expire(m)
		m = nil
	}
	if m == nil {
		n.stats.NoMapping++
		return netip.AddrPort{}, NATNoMapping
	}
	// RFC 4787 §5: endpoint-independent filtering admits anyone; the
	// dependent kinds admit only remotes the internal endpoint sent to.
	if n.cfg.Filtering != EndpointIndependent {
		exp, ok := m.perms[reduce(n.cfg.Filtering, remote)]
		if !ok || !now.Before(exp) {
			n.stats.Filtered++
			return netip.AddrPort{}, NATFiltered
		}
	}
	n.stats.Admitted++
	return m.Internal, InFlight
}

// translateOut applies the sender's NAT to a datagram about to enter a link,
// and rejects destinations that are private addresses the sender cannot
// reach.
func (s *Sim) translateOut(p *packet) Fate {
	if !p.from.IsValid() || !p.to.IsValid() {
		return NoRoute
	}
	src := s.natByHost[p.from.Addr()]
	dst := s.natByHost[p.to.Addr()]
	switch {
	case src == nil && dst == nil:
		return InFlight
	case src == nil || (dst != nil && dst != src):
		return NoRoute // a private address behind some NAT: not routable from here
	case dst == src:
		return InFlight // same private network: no translation
	}
	if p.to.Addr() == src.cfg.Public && !src.cfg.Hairpin {
		src.stats.HairpinDenied++
		return HairpinDenied
	}
	ext, ok := src.outbound(s.now, p.from, p.to)
	if !ok {
		return NATNoMapping
	}
	p.from = ext
	return InFlight
}
