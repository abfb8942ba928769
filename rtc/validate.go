package rtc

import (
	"fmt"
	"math"
	"strings"

	dtls "github.com/sansrtc/rtc/rtc-dtls"
	ice "github.com/sansrtc/rtc/rtc-ice"
	sdp "github.com/sansrtc/rtc/rtc-sdp"
)

// remoteParams is what a remote description says about the one transport.
type remoteParams struct {
	ufrag, pwd      string
	fingerprints    []dtls.Fingerprint
	setup           sdp.Setup
	sctpPort        uint16
	maxMessage      int // -1 absent
	candidates      []ice.Candidate
	endOfCandidates bool
	lite            bool
}

// validateRemote checks that a description can be applied (W3C
// OperationError otherwise) and extracts the transport parameters from the
// BUNDLE-tagged m-section, one RFC step at a time. Nothing changes here.
func (n *negotiation) validateRemote(sess *sdp.SessionDescription, typ SDPType) (remoteParams, error) {
	rp := remoteParams{maxMessage: -1, lite: sess.ICELite()}
	if err := n.checkSections(sess, typ); err != nil {
		return rp, err
	}
	tag := bundleTag(sess)
	if tag == nil {
		return rp, fmt.Errorf("%w: every m-section is rejected", ErrUnsupported)
	}
	var err error
	if rp.ufrag, rp.pwd, err = iceCredentials(sess, tag); err != nil {
		return rp, err
	}
	if rp.fingerprints, err = fingerprints(sess, tag); err != nil {
		return rp, err
	}
	if rp.setup, err = remoteSetup(sess, tag, typ); err != nil {
		return rp, err
	}
	if err := n.checkRemoteSetup(typ, rp.setup); err != nil {
		return rp, err
	}
	return rp, sectionParams(sess, &rp)
}

// checkSections: RFC 8829 §5.10, an answer has the offer's m-sections in
// order; RFC 8843 §7, every m-section has a unique a=mid; RFC 8829
// §5.2.2, a subsequent offer keeps each m-section's mid.
func (n *negotiation) checkSections(sess *sdp.SessionDescription, typ SDPType) error {
	if len(sess.Media) == 0 {
		return fmt.Errorf("%w: no m-sections", ErrUnsupported)
	}
	if typ != SDPTypeOffer {
		if len(sess.Media) != len(n.sections) {
			return fmt.Errorf("%w: answer has %d m-sections, the offer %d", ErrUnsupported, len(sess.Media), len(n.sections))
		}
		for i, m := range sess.Media {
			if id := mid(m); id != "" && id != n.sections[i].mid {
				return fmt.Errorf("%w: answer m-section %d has mid %q, offered %q", ErrUnsupported, i, id, n.sections[i].mid)
			}
		}
	}
	seen := map[string]bool{}
	for i, m := range sess.Media {
		id := mid(m)
		if id == "" {
			return fmt.Errorf("%w: m-section %d has no a=mid (RFC 8843 requires one)", ErrUnsupported, i)
		}
		if seen[id] {
			return fmt.Errorf("%w: duplicate mid %q", ErrUnsupported, id)
		}
		seen[id] = true
		// RFC 8829 §5.2.2: only a rejected m-section may be recycled with
		// a new mid.
		if typ == SDPTypeOffer && i < len(n.sections) && n.currentRemote != nil && n.sections[i].mid != id &&
			!n.sections[i].rejected {
			return fmt.Errorf("%w: m-section %d changed mid", ErrUnsupported, i)
		}
	}
	return nil
}

// iceCredentials: RFC 8839 §5.4, ice-ufrag of 4 to 256 characters and
// ice-pwd of 22 to 256, media level first, else session level.
func iceCredentials(sess *sdp.SessionDescription, tag *sdp.MediaDescription) (ufrag, pwd string, err error) {
	ufrag, pwd, _ = sess.ICECredentials(tag)
	if ufrag == "" || pwd == "" {
		return "", "", fmt.Errorf("%w: no ICE credentials (a=ice-ufrag/a=ice-pwd) in m-section %q", ErrUnsupported, mid(tag))
	}
	if len(ufrag) < 4 || len(ufrag) > 256 || len(pwd) < 22 || len(pwd) > 256 {
		return "", "", fmt.Errorf("%w: ICE credentials of the wrong length (RFC 8839 §5.4)", ErrUnsupported)
	}
	return ufrag, pwd, nil
}

// fingerprints: RFC 8122 §5, at least one a=fingerprint with a hash we
// know; unknown hash functions are skipped.
func fingerprints(sess *sdp.SessionDescription, tag *sdp.MediaDescription) ([]dtls.Fingerprint, error) {
	fps, _ := sess.Fingerprints(tag) // checked by parseSDP
	if len(fps) == 0 {
		return nil, fmt.Errorf("%w: no a=fingerprint", ErrUnsupported)
	}
	var out []dtls.Fingerprint
	for _, f := range fps {
		if df, err := dtls.ParseFingerprint(string(f.AppendValue(nil))); err == nil {
			out = append(out, df)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: no usable a=fingerprint (sha-256/384/512)", ErrUnsupported)
	}
	return out, nil
}

// remoteSetup: RFC 8842 §5.2, absent means actpass in an offer; an answer
// must say active or passive (absent: active, RFC 4145 §4); holdconn is
// not supported.
func remoteSetup(sess *sdp.SessionDescription, tag *sdp.MediaDescription, typ SDPType) (sdp.Setup, error) {
	setup, _ := sess.Setup(tag) // checked by parseSDP
	switch {
	case typ == SDPTypeOffer && setup == sdp.SetupNone:
		setup = sdp.SetupActpass
	case typ != SDPTypeOffer && setup == sdp.SetupNone:
		setup = sdp.SetupActive
	case typ != SDPTypeOffer && setup != sdp.SetupActive && setup != sdp.SetupPassive:
		return setup, fmt.Errorf("%w: answer with a=setup:%v (RFC 8842 §5.2 requires active or passive)", ErrUnsupported, setup)
	}
	if setup == sdp.SetupHoldconn {
		return setup, fmt.Errorf("%w: a=setup:holdconn", ErrUnsupported)
	}
	return setup, nil
}

// checkRemoteSetup refuses a remote a=setup that does not complement ours.
// RFC 8842 §5.3: against an offer of "active" the answerer "MUST" use
// "passive", and against "passive" it uses "active" (only "actpass" leaves
// the choice). Once the DTLS role is established, a remote offer that
// demands the other role asks for a new DTLS association (RFC 8842 §5.5),
// which is not supported: applying it would leave the negotiated role and
// the running DTLS endpoint disagreeing.
func (n *negotiation) checkRemoteSetup(typ SDPType, setup sdp.Setup) error {
	if typ != SDPTypeOffer {
		if n.pendingLocal == nil {
			return nil
		}
		if ours := n.pendingLocal.setup; ours != sdp.SetupActpass && setup == ours {
			return fmt.Errorf("%w: answer a=setup:%v against our a=setup:%v (RFC 8842 §5.3)", ErrUnsupported, setup, ours)
		}
		return nil
	}
	if n.roleKnown && (setup == sdp.SetupActive && n.client || setup == sdp.SetupPassive && !n.client) {
		return fmt.Errorf("%w: offer a=setup:%v would swap the established DTLS role (a new DTLS association, RFC 8842 §5.5)", ErrUnsupported, setup)
	}
	return nil
}

// sectionParams reads the accepted m-sections: the data section's
// sctp-port (RFC 8841 §5, default 5000) and max-message-size (§6), the
// candidates and end-of-candidates (RFC 8840 §8).
func sectionParams(sess *sdp.SessionDescription, rp *remoteParams) error {
	for _, m := range sess.Media {
		if m.Port == 0 {
			continue
		}
		if m.Media == "application" {
			if !strings.Contains(m.Proto, "DTLS/SCTP") {
				return fmt.Errorf("%w: m=application with proto %q", ErrUnsupported, m.Proto)
			}
			rp.sctpPort = 5000
			if p, ok, _ := m.SCTPPort(); ok {
				rp.sctpPort = p
			}
			if v, ok, _ := m.MaxMessageSize(); ok {
				rp.maxMessage = int(min(v, math.MaxInt))
			}
		}
		rp.endOfCandidates = rp.endOfCandidates || m.EndOfCandidates()
		for v := range m.Attributes.Values(sdp.AttrCandidate) {
			// UDP and TCP (RFC 6544) candidates, with an IP address or a
			// hostname: stock Firefox offers only mDNS ".local" host
			// candidates (draft-ietf-mmusic-mdns-ice-candidates), which
			// the agent holds until the caller resolves them
			// (EventResolveHostname).
			c, err := ice.ParseCandidate(v)
			if err == nil {
				rp.candidates = append(rp.candidates, c)
			}
		}
	}
	return nil
}
