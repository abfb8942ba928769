package media

import (
	"errors"

	rtp "github.com/sansrtc/rtc/rtc-rtp"
)

// Arrival of a packet: where it goes in the window, what its payload says,
// and what its arrival says about the packets that did not arrive.

// insert stores p in the window.
func (j *JitterBuffer) insert(now nanos, p *rtp.Packet) error {
	if len(p.Payload) > j.cfg.maxPacketSize() {
		j.stats.PacketsDiscarded++
		return ErrPacketTooLarge
	}
	ext := j.seqU.Unwrap(p.SequenceNumber)
	window := j.mask + 1
	if !j.started {
		j.started = true
		j.next, j.highest = ext, ext-1
	}
	if ext < j.next {
		if j.emitted || ext <= j.highest-window {
			// RFC 3550 §A.1: a packet older than what was played out is
			// of no use; W3C "packetsDiscarded" counts it.
			j.stats.PacketsDiscarded++
			return nil
		}
		// Nothing played yet: an earlier packet moves the start back.
		for s := ext + 1; s < j.next; s++ {
			j.markMissing(now, s)
		}
		j.next = ext
	}
	if ext >= j.next+window {
		j.makeRoom(now, ext)
	}
	sl := j.at(ext)
	if sl.present && sl.ext == ext {
		j.stats.PacketsDiscarded++
		j.stats.PacketsDuplicated++
		return nil
	}
	info, err := j.signals(p.Payload)
	if err != nil {
		j.stats.PacketsDiscarded++
		return errors.Join(ErrMalformedPacket, err)
	}
	if id := j.cfg.DependencyDescriptorID; id != 0 {
		// AV1 RTP spec §A.8.2: start_of_frame is the first bit of the
		// mandatory fields (3 bytes).
		if dd := p.GetExtension(id); len(dd) >= 3 && dd[0]&0x80 != 0 {
			info.FrameStart = true
		}
	}
	tsExt := j.tsU.Unwrap(p.Timestamp)
	// Field by field: a composite literal would build the slot on the
	// stack and copy it.
	sl.ext, sl.present, sl.missing, sl.marker = ext, true, false, p.Marker
	sl.start, sl.end, sl.key = info.FrameStart, info.FrameEnd || (j.video && p.Marker), info.Keyframe
	sl.ts, sl.tsExt, sl.at = p.Timestamp, tsExt, now
	sl.nackAt, sl.nacks = 0, 0
	sl.payload = append(sl.payload[:0], p.Payload...)
	if ext > j.highest {
		for s := max(j.highest+1, j.next); s < ext; s++ {
			j.markMissing(now, s)
		}
		j.highest = ext
		// Only in-order arrivals feed the jitter estimate: a reordered or
		// retransmitted packet measures the repair, not the path.
		j.delay.update(now, tsExt)
	}
	return nil
}

// probePrefix is how much of a payload signals reads first: every payload
// format says whether a packet starts or ends a frame in its first bytes
// (VP8/VP9 descriptors, the first NAL or FU header, the AV1 aggregation
// header and first OBU header).
const probePrefix = 64

// signals reads the payload format's own frame signals (start, end) with
// the probe depayloader, reset first, so a continuation fragment reports
// ErrFragmentLost, which only means "does not start a frame". The prefix
// is tried first; a payload whose structure does not fit in it (an
// aggregation packet) is read whole.
func (j *JitterBuffer) signals(payload []byte) (rtp.PayloadInfo, error) {
	var info rtp.PayloadInfo
	var err error
	if len(payload) > probePrefix {
		j.probe.Reset()
		j.scratch, info, err = j.probe.Depayload(j.scratch[:0], payload[:probePrefix])
		if err == nil || errors.Is(err, rtp.ErrFragmentLost) {
			return info, nil
		}
	}
	j.probe.Reset()
	j.scratch, info, err = j.probe.Depayload(j.scratch[:0], payload)
	if err != nil && !errors.Is(err, rtp.ErrFragmentLost) {
		return info, err
	}
	return info, nil
}

// markMissing records that ext has not arrived while a later packet has.
func (j *JitterBuffer) markMissing(now nanos, ext int64) {
	sl := j.at(ext)
	if sl.present && sl.ext == ext {
		return
	}
	*sl = slot{ext: ext, missing: true, at: now, payload: sl.payload[:0]}
	if !j.cfg.DisableNACK {
		j.nackDue = min(j.nackDue, now+nanos(max(j.cfg.NACKDelay, 0)))
	}
}

// makeRoom moves the window so that ext fits in it, dropping the oldest
// frames.
func (j *JitterBuffer) makeRoom(now nanos, ext int64) {
	window := j.mask + 1
	if ext >= j.highest+window {
		// A jump past everything buffered (a restarted sender, or a
		// hostile sequence number): flush and start over at ext.
		if j.next <= j.highest {
			j.stats.FramesDropped++
		}
		for s := j.next; s <= j.highest; s++ {
			if !j.has(s) {
				j.stats.PacketsLost++
			}
			j.at(s).present = false
		}
		j.next, j.highest = ext, ext-1
		j.synced = false
		j.emitted = true
		j.lostVideo(now)
		return
	}
	for ext >= j.next+window {
		j.dropHead(now)
	}
}
