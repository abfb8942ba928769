package pc

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/sansrtc/rtc/rtc"
)

// corePair is two sans-I/O PeerConnections connected in memory (no
// sockets, no goroutines): what one connection costs without the driver.
type corePair struct {
	a, b *rtc.PeerConnection
	now  time.Time
}

// pumpCore moves datagrams between the two and runs timers on a virtual
// clock until done or the step cap.
func (p *corePair) pump(done func() bool) error {
	for step := 0; step < 100000; step++ {
		if done() {
			return nil
		}
		moved := false
		for _, d := range [][2]*rtc.PeerConnection{{p.a, p.b}, {p.b, p.a}} {
			for {
				dg, ok := d[0].PollWrite()
				if !ok {
					break
				}
				moved = true
				dg.Now, dg.Transport = p.now, dg.Transport.Reverse()
				_ = d[1].HandleRead(dg)
			}
			for {
				if _, ok := d[0].PollEvent(); !ok {
					break
				}
			}
		}
		if moved {
			continue
		}
		next := time.Time{}
		for _, pc := range []*rtc.PeerConnection{p.a, p.b} {
			if t, ok := pc.PollTimeout(); ok && (next.IsZero() || t.Before(next)) {
				next = t
			}
		}
		if next.IsZero() {
			break
		}
		if next.After(p.now) {
			p.now = next
		}
		_ = p.a.HandleTimeout(p.now)
		_ = p.b.HandleTimeout(p.now)
	}
	if done() {
		return nil
	}
	return fmt.Errorf("core pair did not finish")
}

func newCorePair(i int) (*corePair, error) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	addrA := netip.AddrPortFrom(netip.MustParseAddr("192.0.2.1"), uint16(10000+i))
	addrB := netip.AddrPortFrom(netip.MustParseAddr("198.51.100.1"), uint16(10000+i))
	a, err := rtc.NewPeerConnection(rtc.Configuration{Now: now, LocalAddresses: []netip.AddrPort{addrA}})
	if err != nil {
		return nil, err
	}
	b, err := rtc.NewPeerConnection(rtc.Configuration{Now: now, LocalAddresses: []netip.AddrPort{addrB}})
	if err != nil {
		return nil, err
	}
	dc, err := a.CreateDataChannel("bench", rtc.DataChannelInit{})
	if err != nil {
		return nil, err
	}
	o, _ := a.CreateOffer()
	if err := a.SetLocalDescription(o); err != nil {
		return nil, err
	}
	if err := b.SetRemoteDescription(a.LocalDescription()); err != nil {
		return nil, err
	}
	ans, _ := b.CreateAnswer()
	if err := b.SetLocalDescription(ans); err != nil {
		return nil, err
	}
	if err := a.SetRemoteDescription(b.LocalDescription()); err != nil {
		return nil, err
	}
	p := &corePair{a: a, b: b, now: now}
	return p, p.pump(func() bool { return dc.State() == rtc.DataChannelOpen })
}
