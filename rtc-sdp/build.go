package sdp

import "strconv"

// NewSession returns a description with the lines JSEP puts first (RFC
// 8829 §5.2.1): "v=0", "o=- <id> <version> IN IP4 127.0.0.1", "s=-" and
// "t=0 0". Add attributes and media sections, then Marshal.
func NewSession(sessionID, version uint64) *SessionDescription {
	return &SessionDescription{
		Origin: Origin{
			Username: "-", SessionID: sessionID, SessionVersion: version,
			NetworkType: "IN", AddressType: "IP4", Address: "127.0.0.1",
		},
		SessionName: "-",
		Times:       []Time{{}},
	}
}

// NewMedia returns a media section "m=<media> <port> <proto> <formats>".
// JSEP uses port 9 and "c=IN IP4 0.0.0.0" until candidates are known
// (RFC 8829 §5.2.1); use WithDiscardConnection for that.
func NewMedia(media string, port int, proto string, formats ...string) *MediaDescription {
	return &MediaDescription{Media: media, Port: port, Proto: proto, Formats: formats}
}

// WithDiscardConnection adds "c=IN IP4 0.0.0.0" and returns md.
func (md *MediaDescription) WithDiscardConnection() *MediaDescription {
	md.Connections = append(md.Connections, Connection{NetworkType: "IN", AddressType: "IP4", Address: "0.0.0.0"})
	return md
}

// AddMedia appends media sections and returns sd.
func (sd *SessionDescription) AddMedia(mds ...*MediaDescription) *SessionDescription {
	sd.Media = append(sd.Media, mds...)
	return sd
}

// Add appends a typed attribute and returns md, so calls chain:
//
//	md.Add(sdp.Setup(sdp.SetupActpass)).Add(fp)
func (md *MediaDescription) Add(v AttrValue) *MediaDescription {
	md.Attributes.AddValue(v)
	return md
}

// AddAttr appends an attribute by name and value and returns md.
func (md *MediaDescription) AddAttr(key, value string) *MediaDescription {
	md.Attributes.Add(key, value)
	return md
}

// AddFlag appends a property attribute ("rtcp-mux") and returns md.
func (md *MediaDescription) AddFlag(key string) *MediaDescription {
	md.Attributes.AddFlag(key)
	return md
}

// SetDirection replaces the direction attribute and returns md.
func (md *MediaDescription) SetDirection(d Direction) *MediaDescription {
	md.Attributes.SetDirection(d)
	return md
}

// Codec describes one RTP payload format for AddCodec.
type Codec struct {
	PayloadType uint8
	Name        string // encoding name, e.g. "opus"
	ClockRate   uint32
	Channels    uint16         // 0 to omit
	FMTP        string         // format parameters; empty to omit a=fmtp
	Feedback    []RTCPFeedback // Format is filled in from PayloadType
}

// AddCodec adds c's payload type to the m= line and its a=rtpmap, a=fmtp
// and a=rtcp-fb lines, and returns md.
func (md *MediaDescription) AddCodec(c Codec) *MediaDescription {
	pt := strconv.Itoa(int(c.PayloadType))
	md.Formats = append(md.Formats, pt)
	md.Add(RTPMap{PayloadType: c.PayloadType, Encoding: c.Name, ClockRate: c.ClockRate, Channels: c.Channels})
	for _, fb := range c.Feedback {
		fb.Format = pt
		md.Add(fb)
	}
	if c.FMTP != "" {
		md.Add(FMTP{Format: pt, Parameters: c.FMTP})
	}
	return md
}

// Rejected returns the section an answer uses to reject md (RFC 3264 §6:
// port zero, same media and protocol; RFC 8829 §5.3.1 keeps the formats
// and the a=mid). Nothing else is carried over.
func (md *MediaDescription) Rejected() *MediaDescription {
	r := &MediaDescription{Media: md.Media, Proto: md.Proto, Formats: append([]string(nil), md.Formats...)}
	if mid, ok := md.MID(); ok {
		r.Attributes.Add(AttrMID, mid)
	}
	return r
}
