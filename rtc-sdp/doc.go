// Package sdp parses and marshals the Session Description Protocol (RFC
// 8866) with typed access to the attributes WebRTC uses (JSEP, RFC 8829).
//
// # Model
//
// A SessionDescription holds the session-level lines in grammar order
// (v o s i u e p c b t r z k a) and a list of MediaDescriptions (m= with
// i c b k a). Attributes are kept as an ordered list of name/value pairs,
// so attributes this package does not know survive a round trip untouched;
// typed views are parsed on demand by accessors (md.RTPMaps,
// md.Candidates, sd.Fingerprints(md), md.Simulcast, ...) and by the
// Parse* functions (ParseCandidate, ParseRTPMap, ParseFingerprint, ...),
// each returning an *AttributeError (errors.Is ErrAttribute) for a bad
// value. Every typed value implements AttrValue and marshals back to the
// same text.
//
// # Parsing
//
//	sd, err := sdp.Parse(text)      // or sdp.Unmarshal(b), or Config{...}.Parse
//	for _, md := range sd.Media {
//		mid, _ := md.MID()
//		ufrag, pwd, _ := sd.ICECredentials(md)
//		fps, err := sd.Fingerprints(md)
//		cands, err := md.Candidates()
//	}
//
// Lines may end in CRLF or LF; errors are *ParseError values naming the
// line number, the line and the reason. Parse enforces the RFC 8866 §9
// grammar (no NUL or CR inside a line, tokens where the grammar says
// token) and the grammar of every typed attribute, so a remote value such
// as an a=mid is a token by the time anyone reads it (RFC 8829 §5.8: a
// known attribute that does not parse rejects the description). Config bounds the size, the line
// count and the number of media sections. Parsing copies the input once;
// every string in the result is a substring of that copy.
//
// # Building
//
//	sd := sdp.NewSession(id, 2)
//	sd.Attributes.AddValue(sdp.Group{Semantics: "BUNDLE", MIDs: []string{"0"}})
//	md := sdp.NewMedia("audio", 9, "UDP/TLS/RTP/SAVPF").WithDiscardConnection()
//	md.AddAttr(sdp.AttrMID, "0").AddAttr(sdp.AttrICEUfrag, ufrag).AddAttr(sdp.AttrICEPwd, pwd)
//	md.Add(sdp.NewFingerprint("sha-256", digest)).Add(sdp.SetupActpass)
//	md.SetDirection(sdp.DirectionSendRecv).AddFlag(sdp.AttrRTCPMux)
//	md.AddCodec(sdp.Codec{PayloadType: 111, Name: "opus", ClockRate: 48000, Channels: 2, FMTP: "minptime=10;useinbandfec=1"})
//	sd.AddMedia(md)
//	text, err := sd.Marshal() // CRLF line ends; err if a field breaks its grammar
//
// Marshal refuses (returns an error, writes nothing) a description with
// any field its grammar does not allow, whichever API put it there:
// values copied from a remote description cannot add or split lines of
// ours. Validate runs the same checks without marshalling. A description
// from Parse remembers, privately, which attribute text it checked, so
// Validate and Marshal check again only the attributes that changed since
// (any change, insertion, removal or reordering counts) and the other
// fields; compare descriptions with go-cmp using
// cmpopts.IgnoreUnexported(sdp.SessionDescription{}).
//
// # Round trip
//
// Marshal writes lines in the order of RFC 8866 §5 with CRLF, so a
// description in that order (every browser's output, every RFC 8829
// example) parses and marshals back byte for byte. Input in another order
// (RFC 4585 §4.4 puts c= after t=) is accepted and marshalled in canonical
// order. Known non-canonical details: "a=key:" with an empty value
// marshals as "a=key"; an empty i= is dropped.
//
// # Limits and known gaps
//
//   - Repeat times (r=) and time zones (z=) are kept as text, not typed.
//   - imageattr sets are kept as text ([x=..,y=..] parsing is left to callers).
//   - Typed accessors parse on each call; cache the result if it is hot.
//   - No SDP offer/answer logic: that is the PeerConnection's (JSEP) job.
package sdp
