package rtc

import (
	"encoding/base64"
	"hash/fnv"
	"strconv"
	"strings"
	"time"

	dtls "github.com/sansrtc/rtc/rtc-dtls"
	ice "github.com/sansrtc/rtc/rtc-ice"
)

// The ids of the objects there is one of. Like Chromium's, so that a
// report reads the same in tools written against a browser's.
const (
	statsPeerConnectionID = "P"
	statsTransportID      = "T01" // the one bundled transport (max-bundle, rtcp-mux)
)

// GetStats returns a W3C RTCStatsReport (webrtc-pc §8.2 getStats(),
// webrtc-stats): the peer-connection, the bundled transport with its
// selected candidate pair, the local and remote candidates, the
// certificates, the data channels that are not closed, and the codecs
// and RTP streams in use (inbound-rtp, outbound-rtp, and
// remote-inbound-rtp / remote-outbound-rtp once the peer reported on
// them). now is the report's timestamp; it does not advance the
// PeerConnection's clock. Ids are stable across reports for the same
// object, so two reports can be subtracted for rates.
//
// The report is built on demand from the parts' counters: it allocates,
// and costs nothing when not called. What is not known is left out (see
// the README for the members reported).
func (pc *PeerConnection) GetStats(now time.Time) StatsReport {
	r := make(StatsReport)
	h := StatsHeader{Timestamp: millis(now)}
	r.addPeerConnection(h, pc)
	r.addDataChannels(h, pc)
	i, d := pc.statsICE(), pc.statsDTLS()
	tr := pc.statsTransport(h, i)
	pair := r.addICE(h, i)
	tr.SelectedCandidatePairID = pair
	r.addCertificates(h, d, &tr)
	r[tr.ID] = tr
	for _, s := range pc.statsStreams() {
		r.addStream(h, statsTransportID, &s)
	}
	// The pair's packets: DTLS, SRTP and SRTCP go only over the selected
	// pair (RFC 8445 §12); the checks and consent are not counted (W3C).
	if cp, ok := r[pair].(StatsCandidatePair); ok {
		in, out := pc.statsMediaPackets()
		cp.PacketsReceived, cp.PacketsSent = d.stats.DatagramsIn+in, d.stats.DatagramsOut+out
		r[pair] = cp
	}
	return r
}

func (r StatsReport) addPeerConnection(h StatsHeader, pc *PeerConnection) {
	channels, opened := pc.statsChannels()
	open := uint64(0)
	for _, c := range channels {
		if c.state == DataChannelOpen {
			open++
		}
	}
	h.ID, h.Type = statsPeerConnectionID, StatsTypePeerConnection
	// A channel enters "open" once and leaves it once (closing or closed):
	// those that left are the opened ones not open now.
	r[h.ID] = StatsPeerConnection{StatsHeader: h, DataChannelsOpened: uint32(opened), DataChannelsClosed: uint32(opened - open)}
}

func (r StatsReport) addDataChannels(h StatsHeader, pc *PeerConnection) {
	channels, _ := pc.statsChannels()
	for i, c := range channels {
		st := c.Stats()
		d := StatsDataChannel{StatsHeader: h, Label: c.label, Protocol: c.init.Protocol, State: c.state.String(),
			MessagesSent: uint32(st.MessagesSent), BytesSent: st.BytesSent,
			MessagesReceived: uint32(st.MessagesReceived), BytesReceived: st.BytesReceived}
		d.Type = StatsTypeDataChannel
		if c.hasID {
			id := c.id
			d.DataChannelIdentifier = &id
			d.ID = "D" + strconv.Itoa(int(id))
		} else {
			// No stream id before the DTLS role is known (RFC 8832 §6).
			d.ID = "Dpending" + strconv.Itoa(i)
		}
		r[d.ID] = d
	}
}

// statsTransport returns the transport object without its pair and
// certificates. Its counters are every datagram of the connection (ICE
// checks included: the stack counts datagrams, not their kinds).
func (pc *PeerConnection) statsTransport(h StatsHeader, i statsICE) StatsTransport {
	h.ID, h.Type = statsTransportID, StatsTypeTransport
	st := pc.out.stats
	return StatsTransport{StatsHeader: h, PacketsSent: st.DatagramsOut, PacketsReceived: st.DatagramsIn,
		BytesSent: st.BytesOut, BytesReceived: st.BytesIn, ICERole: i.role, ICELocalUsernameFragment: i.localUfrag,
		DTLSState: pc.tr.phase.String(), ICEState: i.state.String(), DTLSRole: "unknown"}
}

// addICE adds the candidates and the selected pair; it returns the pair's
// id ("" when none is selected). rtc-ice reports only the selected pair,
// so the other pairs of the checklist are not in the report.
func (r StatsReport) addICE(h StatsHeader, i statsICE) string {
	for _, c := range i.locals {
		r.addCandidate(h, c, false, i.localUfrag)
	}
	for _, c := range i.remotes {
		r.addCandidate(h, c, true, i.remoteUfrag)
	}
	if !i.hasSelected {
		return ""
	}
	p := i.selected
	lid := r.addCandidate(h, p.Local, false, i.localUfrag)
	rid := r.addCandidate(h, p.Remote, true, i.remoteUfrag)
	h.ID, h.Type = "CP"+lid[1:]+"_"+rid[1:], StatsTypeCandidatePair
	// The selected pair is valid: a check on it succeeded (RFC 8445
	// §7.2.5.3.2), its checklist state is Succeeded.
	r[h.ID] = StatsCandidatePair{StatsHeader: h, TransportID: statsTransportID, LocalCandidateID: lid,
		RemoteCandidateID: rid, State: "succeeded", Nominated: p.Nominated, Priority: p.Priority}
	return h.ID
}

// candidateID is a candidate's id: "I" and a hash of what identifies it
// (its type, transport and address), the same in every report.
func candidateID(c ice.Candidate, remote bool) string {
	f := fnv.New32a()
	side := "L"
	if remote {
		side = "R"
	}
	f.Write([]byte(side + c.Type.String() + c.Protocol.String() + c.Address.String() + c.Hostname))
	return "I" + strconv.FormatUint(uint64(f.Sum32())|1<<32, 16)[1:]
}

// addCandidate adds a candidate (once) and returns its id.
func (r StatsReport) addCandidate(h StatsHeader, c ice.Candidate, remote bool, ufrag string) string {
	h.ID, h.Type = candidateID(c, remote), StatsTypeLocalCandidate
	if remote {
		h.Type = StatsTypeRemoteCandidate
	}
	if _, ok := r[h.ID]; ok {
		return h.ID
	}
	s := StatsCandidate{StatsHeader: h, TransportID: statsTransportID, Port: c.Address.Port(),
		Protocol: strings.ToLower(c.Protocol.String()), CandidateType: c.Type.String(), Priority: c.Priority,
		Foundation: c.Foundation, TCPType: c.TCPType.String(), UsernameFragment: ufrag}
	if c.Address.Addr().IsValid() {
		s.Address = c.Address.Addr().String()
	} else {
		s.Address = c.Hostname
	}
	if c.Related.IsValid() {
		s.RelatedAddress, s.RelatedPort = c.Related.Addr().String(), c.Related.Port()
	}
	if u, ok := c.Extension("ufrag"); ok && remote {
		s.UsernameFragment = u
	}
	r[h.ID] = s
	return h.ID
}

// addCertificates adds the local and (after the handshake) remote
// certificate chains and the DTLS members of the transport.
func (r StatsReport) addCertificates(h StatsHeader, d statsDTLS, tr *StatsTransport) {
	if d.roleSet {
		tr.DTLSRole = "server"
		if d.client {
			tr.DTLSRole = "client"
		}
	}
	if d.local != nil {
		tr.LocalCertificateID = r.addChain(h, d.local.Certificate)
	}
	if !d.complete {
		return
	}
	tr.RemoteCertificateID = r.addChain(h, d.state.PeerCertificates)
	tr.DTLSCipher = d.state.CipherSuite.String()
	tr.TLSVersion = tlsVersionHex(d.state.Version)
	tr.SRTPCipher = srtpProfileName(d.state.SRTPProfile)
}

// addChain adds a DER chain, leaf first, each certificate naming its
// issuer (the next one); it returns the leaf's id ("" for none).
func (r StatsReport) addChain(h StatsHeader, chain [][]byte) string {
	issuer := ""
	for i := len(chain) - 1; i >= 0; i-- {
		fp, err := dtls.ComputeFingerprint("sha-256", chain[i])
		if err != nil {
			continue // sha-256 is always supported
		}
		_, value, _ := strings.Cut(fp.String(), " ")
		h.ID, h.Type = "CF"+value, StatsTypeCertificate
		r[h.ID] = StatsCertificate{StatsHeader: h, Fingerprint: value, FingerprintAlgorithm: fp.Algorithm,
			Base64Certificate: base64.StdEncoding.EncodeToString(chain[i]), IssuerCertificateID: issuer}
		issuer = h.ID
	}
	return issuer
}

// tlsVersionHex is W3C tlsVersion: the version field of the ServerHello
// in upper-case hex ("FEFD" for DTLS 1.2, RFC 6347 §4.1; "FEFC" for DTLS
// 1.3, RFC 9147 §5.3). "" when unknown.
func tlsVersionHex(v string) string {
	switch v {
	case "DTLS 1.2":
		return "FEFD"
	case "DTLS 1.3":
		return "FEFC"
	case "DTLS 1.0":
		return "FEFF"
	}
	return ""
}

// srtpProfileName is W3C srtpCipher: the "Profile" column of the IANA
// DTLS-SRTP protection profile registry (RFC 5764 §4.1.2, RFC 7714 §14.2).
func srtpProfileName(id uint16) string {
	switch id {
	case 0:
		return ""
	case 0x0001:
		return "SRTP_AES128_CM_HMAC_SHA1_80"
	case 0x0002:
		return "SRTP_AES128_CM_HMAC_SHA1_32"
	case 0x0005:
		return "SRTP_NULL_HMAC_SHA1_80"
	case 0x0006:
		return "SRTP_NULL_HMAC_SHA1_32"
	case 0x0007:
		return "SRTP_AEAD_AES_128_GCM"
	case 0x0008:
		return "SRTP_AEAD_AES_256_GCM"
	}
	return "0x" + strings.ToUpper(strconv.FormatUint(uint64(id)|1<<16, 16)[1:])
}
