package rtc

import (
	"strings"

	dtls "github.com/sansrtc/rtc/rtc-dtls"
	ice "github.com/sansrtc/rtc/rtc-ice"
)

// This file is how getStats reads the parts it does not own: small
// read-only accessors over their existing fields. Nothing here changes
// state or marks a deadline stale (it reads t.ice and t.conn directly,
// not through agent() and dtlsConn()).

// statsICE is what the transport part knows about ICE for getStats.
type statsICE struct {
	role        string // "controlling", "controlled", "unknown"
	localUfrag  string
	remoteUfrag string
	state       ICEConnectionState
	locals      []ice.Candidate // gathered (host, srflx, relay)
	remotes     []ice.Candidate // from the remote description
	selected    ice.PairInfo
	hasSelected bool
	stats       ice.Stats
}

func (pc *PeerConnection) statsICE() statsICE {
	t := &pc.tr
	s := statsICE{role: "unknown", localUfrag: t.localUfrag, remoteUfrag: t.remoteUfrag, state: t.iceState, stats: t.ice.Stats()}
	if t.started {
		s.role = t.ice.Role().String()
	}
	s.locals = t.ice.LocalCandidates()
	s.selected, s.hasSelected = t.ice.SelectedPair()
	s.remotes = remoteCandidates(pc.RemoteDescription().SDP)
	return s
}

// remoteCandidates returns the candidates of a remote description (the
// ICE agent keeps no list of them; trickled ones are not in it).
func remoteCandidates(sdp string) []ice.Candidate {
	var out []ice.Candidate
	seen := map[string]bool{}
	for line := range strings.Lines(sdp) {
		line = strings.TrimRight(line, "\r\n")
		if !strings.HasPrefix(line, "a=candidate:") || seen[line] {
			continue
		}
		seen[line] = true
		if c, err := ice.ParseCandidate(line); err == nil {
			out = append(out, c)
		}
	}
	return out
}

// statsDTLS is what the transport part knows about DTLS for getStats.
type statsDTLS struct {
	phase    DTLSTransportState
	client   bool
	roleSet  bool // the DTLS role is known
	local    *dtls.Certificate
	localFP  dtls.Fingerprint
	state    dtls.ConnectionState // zero before the handshake completed
	complete bool
	stats    dtls.Stats
}

func (pc *PeerConnection) statsDTLS() statsDTLS {
	t := &pc.tr
	s := statsDTLS{phase: t.phase, client: t.client, roleSet: t.ready, local: t.cert, localFP: t.fingerprint}
	if t.conn != nil {
		s.stats = t.conn.Stats()
		s.state, s.complete = t.conn.ConnectionState()
		s.client, s.roleSet = t.conn.IsClient(), true
	}
	return s
}

// statsChannels returns the data channels that are not closed and how
// many channels ever opened (sink.channelsOpened).
func (pc *PeerConnection) statsChannels() ([]*DataChannel, uint64) {
	return pc.data.channels, pc.out.channelsOpened
}

// statsStreams returns the RTP streams the media part sends and receives.
// The media part has no streams yet (SRTP is not wired, issue 13): until
// it does, this is empty and the RTP types are not reported. It is the
// one place the media part's stream table is read from.
func (pc *PeerConnection) statsStreams() []statsStream { return nil }
