package rtc

import sdp "github.com/sansrtc/rtc/rtc-sdp"

// settleMedia applies a completed exchange to the transceivers and the
// media part, once per local description that reached stable (RFC 8829
// §5.10, §5.11; W3C webrtc §4.4.1.6 "set the RTCSessionDescription"): the
// negotiated codecs and extensions, the current direction, the remote
// streams (a=ssrc, a=ssrc-group:FID, a=rid), stopped transceivers, and
// EventTrack for each transceiver that starts receiving.
func (pc *PeerConnection) settleMedia() {
	n := &pc.neg
	pc.remoteTracks()
	if n.state != SignalingStable || n.currentLocal == nil || n.currentLocal == n.settled || n.remoteSD == nil {
		return
	}
	n.settled = n.currentLocal
	local, remote := n.currentLocal.session(), n.remoteSD
	if local == nil {
		local = &sdp.SessionDescription{}
	}
	weOffered := n.currentLocal.typ == SDPTypeOffer
	var ids extIDs
	var signaled []recvStream
	for i, s := range n.sections {
		t := s.transceiver
		if t == nil || i >= len(local.Media) || i >= len(remote.Media) {
			continue
		}
		if s.rejected || t.stopping || remote.Media[i].Port == 0 || local.Media[i].Port == 0 {
			pc.stopped(t)
			continue
		}
		answer := local.Media[i]
		if weOffered {
			answer = remote.Media[i]
		}
		dir := fromSDPDirection(answer.Direction())
		if weOffered {
			dir = dir.reverse()
		}
		t.codecs = sectionCodecs(answer)
		t.extensions = parseRemoteMedia(answer).exts
		if x := extIDsOf(t.extensions); x.mid != 0 {
			ids = x
		}
		rm := parseRemoteMedia(remote.Media[i])
		t.remoteRIDs = rm.rids
		signaled = append(signaled, signaledStreams(t, rm)...)
		pc.settleDirection(t, dir, rm)
	}
	pc.media.bind(n.transceivers, ids, signaled, pc.cfg.maxRemoteSSRCs())
	if len(signaled) > 0 || anySends(n.transceivers) || anyReceives(n.transceivers) {
		pc.out.emitError("interceptor", pc.newChain(ids.twcc))
	}
	pc.media.bindChain(n.transceivers)
	// Settled, and its tracks processed (remoteTracks above): nothing
	// reads the parsed remote description any more until the next one is
	// applied, so let it go (~2.7 KB per PeerConnection, issue 18).
	n.remoteSD, pc.media.tracksFor = nil, nil
	n.currentLocal.dropSession()
	n.lastOffer.dropSession()
	n.lastAnswer.dropSession()
}

// settleDirection records the negotiated direction.
func (pc *PeerConnection) settleDirection(t *Transceiver, dir Direction, _ *remoteMedia) {
	t.currentDirection, t.hasCurrent, t.negotiatedWant = dir, true, t.direction
	if dir.sends() {
		t.everSent = true
	}
}

// remoteTracks processes the remote tracks of a remote description once,
// when it is applied (W3C webrtc §4.4.1.6 "set the RTCSessionDescription",
// remote offer or answer): a transceiver whose m-section the remote peer
// sends on (sendrecv or sendonly, seen from here recvonly or sendrecv)
// and that had not fired gets its remote track (a=msid, RFC 8830 §2) and
// fires EventTrack ("process the addition of a remote track"); one the
// peer no longer sends on may fire again later. A rejected section adds
// no track.
func (pc *PeerConnection) remoteTracks() {
	n := &pc.neg
	remote := n.remoteSD
	if remote == nil || remote == pc.media.tracksFor {
		return
	}
	pc.media.tracksFor = remote
	for i, s := range n.sections {
		t := s.transceiver
		if t == nil || i >= len(remote.Media) {
			continue
		}
		m := remote.Media[i]
		if s.rejected || t.stopped || t.stopping || m.Port == 0 || mid(m) != s.mid {
			continue
		}
		if !fromSDPDirection(m.Direction()).sends() {
			t.firedRecv = false // W3C: [[FiredDirection]] loses recv
			continue
		}
		if t.firedRecv && t.receiver.track != nil {
			continue
		}
		t.firedRecv = true
		tr, streams := trackOf(t, parseRemoteMedia(m))
		t.receiver.track = tr
		pc.out.emit(Event{Kind: EventTrack, Transceiver: t, Track: tr, Streams: streams})
	}
}

// stopped marks a transceiver whose m-section was rejected or stopped.
func (pc *PeerConnection) stopped(t *Transceiver) {
	t.stopped, t.stopping = true, false
	t.direction, t.currentDirection, t.hasCurrent = DirectionStopped, DirectionStopped, true
	pc.media.stopTransceiver(t)
}

// signaledStreams are the remote streams an m-section announces with
// a=ssrc (and their RTX by a=ssrc-group:FID, RFC 4588 §8.1).
func signaledStreams(t *Transceiver, rm *remoteMedia) []recvStream {
	var out []recvStream
	for _, ssrc := range rm.ssrcs {
		out = append(out, recvStream{t: t, ssrc: ssrc, signaled: true})
		if r, ok := rm.rtx[ssrc]; ok {
			out = append(out, recvStream{t: t, ssrc: r, rtx: true, repairs: ssrc, signaled: true})
		}
	}
	return out
}

func anySends(ts []*Transceiver) bool {
	for _, t := range ts {
		if !t.stopped && t.hasCurrent && t.currentDirection.sends() {
			return true
		}
	}
	return false
}

func anyReceives(ts []*Transceiver) bool {
	for _, t := range ts {
		if !t.stopped && t.hasCurrent && t.currentDirection.receives() {
			return true
		}
	}
	return false
}

// reverse swaps sending and receiving (the remote view of a direction).
func (d Direction) reverse() Direction {
	return directionOf(d.receives(), d.sends())
}

// mediaChanged reports whether a negotiated transceiver changed in a way
// that needs an offer (W3C webrtc §4.7.3 "check if negotiation is
// needed"): it is being stopped, or its direction is not the one last
// negotiated.
func (n *negotiation) mediaChanged(t *Transceiver) bool {
	if t.stopped || t.mid == "" {
		return false
	}
	return t.stopping || t.hasCurrent && t.direction != t.negotiatedWant
}
