package gcc

import "time"

// Probe asks the pacer to send a probe cluster: at least MinPackets
// packets and MinBytes octets at Bitrate, each marked with the cluster ID
// (SentPacket.ProbeCluster), padding if no media is queued. The result comes
// back through feedback: the rate the receiver saw during the cluster.
type Probe struct {
	ID         int
	Bitrate    int
	MinPackets int
	MinBytes   int
}

const (
	probeMinPackets = 5
	probeDuration   = 15 * time.Millisecond
	// Initial exponential probing: clusters at 3 and 6 times the start
	// rate, then at twice each result that reached probeContinue of its
	// probe, until one falls short or the maximum is reached.
	probeContinue = 0.7
	probeMaxWait  = time.Second // a cluster without results by then is dropped
	maxClusters   = 8
	maxPending    = 4
)

// cluster collects the feedback about one probe cluster.
type cluster struct {
	id          int
	bitrate     float64
	minPackets  int
	minBytes    int
	created     time.Time
	firstSend   time.Time
	lastSend    time.Time
	lastSendSz  int
	sendBytes   int
	firstArr    time.Time
	firstArrSz  int
	lastArr     time.Time
	recvBytes   int
	received    int
	done        bool
	exponential bool
}

// prober plans probe clusters and turns their feedback into estimates.
type prober struct {
	nextID   int
	clusters [maxClusters]cluster
	pending  [maxPending]Probe
	npending int
	started  bool
	expo     bool // in the exponential phase
	lastALR  time.Time
	results  uint64
	invalid  uint64
}

// request queues a cluster at bps (dropped when the pending queue is full:
// the pacer has not taken the previous ones yet).
func (p *prober) request(now time.Time, bps float64, expo bool) {
	if p.npending == maxPending {
		return
	}
	p.nextID++
	if p.nextID > 1<<30 {
		p.nextID = 1
	}
	minBytes := int(bps * probeDuration.Seconds() / 8)
	pr := Probe{ID: p.nextID, Bitrate: int(bps), MinPackets: probeMinPackets, MinBytes: minBytes}
	p.pending[p.npending] = pr
	p.npending++
	// Replace the oldest cluster slot.
	slot := 0
	for i := range p.clusters {
		if p.clusters[i].id == 0 || p.clusters[i].created.Before(p.clusters[slot].created) {
			slot = i
			if p.clusters[i].id == 0 {
				break
			}
		}
	}
	p.clusters[slot] = cluster{id: pr.ID, bitrate: bps, minPackets: pr.MinPackets, minBytes: minBytes, created: now, exponential: expo}
}

func (p *prober) poll() (Probe, bool) {
	if p.npending == 0 {
		return Probe{}, false
	}
	pr := p.pending[0]
	copy(p.pending[:], p.pending[1:p.npending])
	p.npending--
	p.pending[p.npending] = Probe{}
	return pr, true
}

// active reports whether a cluster waits for the pacer or for feedback.
func (p *prober) active() bool {
	if p.npending > 0 {
		return true
	}
	for i := range p.clusters {
		if p.clusters[i].id != 0 && !p.clusters[i].done {
			return true
		}
	}
	return false
}

func (p *prober) find(id int) *cluster {
	for i := range p.clusters {
		if p.clusters[i].id == id && !p.clusters[i].done {
			return &p.clusters[i]
		}
	}
	return nil
}

// add takes one feedback result of a probe packet.
func (p *prober) add(id int, send, arrival time.Time, size int) {
	c := p.find(id)
	if c == nil {
		return // an unknown or finished cluster (a peer may say anything)
	}
	if c.firstSend.IsZero() || send.Before(c.firstSend) {
		c.firstSend = send
	}
	if !send.Before(c.lastSend) {
		c.lastSend, c.lastSendSz = send, size
	}
	c.sendBytes += size
	if arrival.IsZero() {
		return
	}
	if c.firstArr.IsZero() || arrival.Before(c.firstArr) {
		c.firstArr, c.firstArrSz = arrival, size
	}
	if arrival.After(c.lastArr) {
		c.lastArr = arrival
	}
	c.recvBytes += size
	c.received++
}

// estimate returns the best finished cluster's rate, once per cluster: the
// lower of the send and receive rates, and 95% of the receive rate when it
// is clearly below the send rate (the bottleneck spaced the packets out).
func (p *prober) estimate(now time.Time) (bps float64, expo bool, ok bool) {
	for i := range p.clusters {
		c := &p.clusters[i]
		if c.id == 0 || c.done {
			continue
		}
		if now.Sub(c.created) > probeMaxWait+probeMaxWait {
			c.done = true
			p.invalid++
			continue
		}
		if c.received < c.minPackets*4/5 || c.recvBytes < c.minBytes*4/5 {
			continue
		}
		c.done = true
		send := c.lastSend.Sub(c.firstSend)
		recv := c.lastArr.Sub(c.firstArr)
		if send <= 0 || recv <= 0 || send > probeMaxWait || recv > probeMaxWait {
			p.invalid++
			continue
		}
		sendRate := float64(c.sendBytes-c.lastSendSz) * 8 / send.Seconds()
		recvRate := float64(c.recvBytes-c.firstArrSz) * 8 / recv.Seconds()
		r := min(sendRate, recvRate)
		if recvRate < 0.9*sendRate {
			r = 0.95 * recvRate
		}
		if r > bps {
			bps, expo, ok = r, c.exponential, true
			if expo && r < probeContinue*c.bitrate {
				expo = false
			}
		}
		p.results++
	}
	return bps, expo, ok
}
