package gcc

import "time"

// draft-ietf-rmcat-gcc-02 §5.2: packets are grouped by send time into
// bursts of burstTime; the delay variation is measured between the last
// packets of consecutive groups.
const (
	burstTime = 5 * time.Millisecond
	// A packet arriving within burstTime of the previous one, and earlier
	// than its send spacing predicts, belongs to the same group (§5.2:
	// "packets that arrive in a burst").
	maxBurstDuration = 100 * time.Millisecond
	// Arrival or send deltas beyond this (a clock jump, a peer lying, a
	// sender pause) restart the grouping instead of feeding the filter.
	maxGroupDelta = 3 * time.Second
)

// group is one group of packets, §5.2.
type group struct {
	firstSend, lastSend       time.Time
	firstArrival, lastArrival time.Time
	size                      int
	valid                     bool
}

// delta is the difference between two consecutive complete groups: d(i) =
// t(i) - t(i-1) - (T(i) - T(i-1)) of §5.3 is arrival - send.
type delta struct {
	send, arrival time.Duration
	size          int
	at            time.Time // arrival of the later group
}

// interArrival builds groups from packets in transport sequence order.
type interArrival struct {
	cur, prev group
	resets    uint64
}

func (ia *interArrival) reset() {
	ia.cur, ia.prev = group{}, group{}
	ia.resets++
}

// add takes one received packet; ok reports a new delta, made when the
// packet starts a new group.
func (ia *interArrival) add(send, arrival time.Time, size int) (d delta, ok bool) {
	c := &ia.cur
	if !c.valid {
		*c = group{firstSend: send, lastSend: send, firstArrival: arrival, lastArrival: arrival, size: size, valid: true}
		return d, false
	}
	if send.Before(c.firstSend) {
		return d, false // reordered across groups: §5.2 ignores it
	}
	if arrival.Before(c.lastArrival) || arrival.Sub(c.lastArrival) > maxGroupDelta || send.Sub(c.lastSend) > maxGroupDelta {
		// Arrival times going backwards or jumping: the remote clock or
		// the feedback cannot be trusted for this pair; start again.
		ia.reset()
		ia.cur = group{firstSend: send, lastSend: send, firstArrival: arrival, lastArrival: arrival, size: size, valid: true}
		return d, false
	}
	if ia.sameGroup(send, arrival) {
		if send.After(c.lastSend) {
			c.lastSend = send
		}
		c.lastArrival = arrival
		c.size += size
		return d, false
	}
	if ia.prev.valid {
		d = delta{
			send:    c.lastSend.Sub(ia.prev.lastSend),
			arrival: c.lastArrival.Sub(ia.prev.lastArrival),
			size:    c.size - ia.prev.size,
			at:      c.lastArrival,
		}
		ok = true
	}
	ia.prev = *c
	*c = group{firstSend: send, lastSend: send, firstArrival: arrival, lastArrival: arrival, size: size, valid: true}
	return d, ok
}

func (ia *interArrival) sameGroup(send, arrival time.Time) bool {
	c := &ia.cur
	if send.Sub(c.firstSend) <= burstTime {
		return true
	}
	// §5.2: a burst of packets arriving back to back after a queue
	// released them is one group, whatever their send times.
	arrivalDelta := arrival.Sub(c.lastArrival)
	propagation := arrivalDelta - send.Sub(c.lastSend)
	return propagation < 0 && arrivalDelta <= burstTime && arrival.Sub(c.firstArrival) < maxBurstDuration
}
