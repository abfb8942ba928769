package shared

import "time"

// IdleAfter is how long a machine goes without traffic before it gives back
// the storage it keeps for reuse (free lists, queue storage, scratch
// buffers): an idle connection then holds only its state, and the next
// message allocates once. A flow of a message a second or more keeps its
// storage and allocates nothing; a slower one allocates per message, which
// costs nothing measurable at that rate (issue 18: an idle connection kept
// what it used while it was set up, about 3 KB per connection).
const IdleAfter = time.Second

// Idle tells a machine when it has gone IdleAfter without traffic. Call
// Busy(now) when traffic passes (a Poll* that returned something) and Due(now)
// when a Poll* found nothing: Due reports true once per idle period, when
// now is IdleAfter or more after the last Busy. It reads no clock and
// allocates nothing. The zero value is due at the first Due call with a
// time IdleAfter past the zero time: call Busy when the machine starts.
type Idle struct {
	busy     time.Time
	released bool
}

// Busy records traffic at now.
func (d *Idle) Busy(now time.Time) { d.busy, d.released = now, false }

// Due reports whether the owner should give back its storage now: true once
// per idle period, IdleAfter or more after the last Busy.
func (d *Idle) Due(now time.Time) bool {
	if d.released || now.Sub(d.busy) < IdleAfter {
		return false
	}
	d.released = true
	return true
}

// Released reports whether Due reported true since the last Busy.
func (d *Idle) Released() bool { return d.released }
