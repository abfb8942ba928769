package sdp

import "strconv"

// Marshal returns the description as text with CRLF line endings, fields
// in the order of RFC 8866 §5 (v o s i u e p c b t r z k a, then each m=
// with i c b k a). It refuses (nil and a *ValidationError) a description
// with a field its grammar does not allow (see Validate): no value, typed
// or not, local or copied from a remote description, is written without
// being checked.
func (sd *SessionDescription) Marshal() ([]byte, error) {
	if err := sd.Validate(); err != nil {
		return nil, err
	}
	return sd.appendText(make([]byte, 0, sd.marshalSize())), nil
}

// String returns the text Marshal writes, or "" when Marshal refuses the
// description (call Marshal to learn why). It is meant for logs and tests.
func (sd *SessionDescription) String() string {
	b, err := sd.Marshal()
	if err != nil {
		return ""
	}
	return string(b)
}

// marshalSize estimates the size of the text, to allocate once.
func (sd *SessionDescription) marshalSize() int {
	n := 128 + len(sd.Origin.Username) + len(sd.Origin.Address) + len(sd.SessionName) +
		len(sd.Information) + len(sd.URI) + len(sd.TimeZones) + len(sd.Key)
	for _, s := range sd.Emails {
		n += len(s) + 4
	}
	for _, s := range sd.Phones {
		n += len(s) + 4
	}
	n += attrsSize(sd.Attributes)
	for _, md := range sd.Media {
		n += 48 + len(md.Media) + len(md.Proto) + len(md.Information) + len(md.Key)
		for _, f := range md.Formats {
			n += len(f) + 1
		}
		n += 40*len(md.Connections) + 24*len(md.Bandwidths)
		n += attrsSize(md.Attributes)
	}
	return n
}

func attrsSize(as Attributes) int {
	n := 0
	for i := range as {
		n += len(as[i].Key) + len(as[i].Value) + 5
	}
	return n
}

func appendLine(b []byte, c byte, v string) []byte {
	b = append(b, c, '=')
	b = append(b, v...)
	return append(b, '\r', '\n')
}

func appendConnection(b []byte, c *Connection) []byte {
	b = append(b, "c="...)
	b = append(b, c.NetworkType...)
	b = append(b, ' ')
	b = append(b, c.AddressType...)
	b = append(b, ' ')
	b = append(b, c.Address...)
	return append(b, '\r', '\n')
}

func appendBandwidth(b []byte, bw *Bandwidth) []byte {
	b = append(b, "b="...)
	b = append(b, bw.Type...)
	b = append(b, ':')
	b = strconv.AppendUint(b, bw.Value, 10)
	return append(b, '\r', '\n')
}

func appendAttributes(b []byte, as Attributes) []byte {
	for i := range as {
		b = append(b, "a="...)
		b = append(b, as[i].Key...)
		if as[i].Value != "" {
			b = append(b, ':')
			b = append(b, as[i].Value...)
		}
		b = append(b, '\r', '\n')
	}
	return b
}

// AppendTo appends the text of the description to b, or returns b
// unchanged and a *ValidationError when Marshal would refuse it.
func (sd *SessionDescription) AppendTo(b []byte) ([]byte, error) {
	if err := sd.Validate(); err != nil {
		return b, err
	}
	return sd.appendText(b), nil
}

// appendText appends the text of a validated description.
func (sd *SessionDescription) appendText(b []byte) []byte {
	b = append(b, "v="...)
	b = strconv.AppendInt(b, int64(sd.Version), 10)
	b = append(b, "\r\no="...)
	o := &sd.Origin
	b = append(b, o.Username...)
	b = append(b, ' ')
	b = strconv.AppendUint(b, o.SessionID, 10)
	b = append(b, ' ')
	b = strconv.AppendUint(b, o.SessionVersion, 10)
	b = append(b, ' ')
	b = append(b, o.NetworkType...)
	b = append(b, ' ')
	b = append(b, o.AddressType...)
	b = append(b, ' ')
	b = append(b, o.Address...)
	b = append(b, '\r', '\n')
	b = appendLine(b, 's', sd.SessionName)
	if sd.Information != "" {
		b = appendLine(b, 'i', sd.Information)
	}
	if sd.URI != "" {
		b = appendLine(b, 'u', sd.URI)
	}
	for _, e := range sd.Emails {
		b = appendLine(b, 'e', e)
	}
	for _, p := range sd.Phones {
		b = appendLine(b, 'p', p)
	}
	if sd.Connection != nil {
		b = appendConnection(b, sd.Connection)
	}
	for i := range sd.Bandwidths {
		b = appendBandwidth(b, &sd.Bandwidths[i])
	}
	for _, t := range sd.Times {
		b = append(b, "t="...)
		b = strconv.AppendUint(b, t.Start, 10)
		b = append(b, ' ')
		b = strconv.AppendUint(b, t.Stop, 10)
		b = append(b, '\r', '\n')
		for _, r := range t.Repeats {
			b = appendLine(b, 'r', r)
		}
	}
	if sd.TimeZones != "" {
		b = appendLine(b, 'z', sd.TimeZones)
	}
	if sd.Key != "" {
		b = appendLine(b, 'k', sd.Key)
	}
	b = appendAttributes(b, sd.Attributes)
	for _, md := range sd.Media {
		b = md.appendText(b)
	}
	return b
}

// AppendTo appends the text of the media section to b, or returns b
// unchanged and the error when a field breaks its grammar (see Validate).
func (md *MediaDescription) AppendTo(b []byte) ([]byte, error) {
	if err := md.validate(); err != nil {
		return b, err
	}
	return md.appendText(b), nil
}

// appendText appends the text of a validated media section.
func (md *MediaDescription) appendText(b []byte) []byte {
	b = append(b, "m="...)
	b = append(b, md.Media...)
	b = append(b, ' ')
	b = strconv.AppendInt(b, int64(md.Port), 10)
	if md.NumPorts > 0 {
		b = append(b, '/')
		b = strconv.AppendInt(b, int64(md.NumPorts), 10)
	}
	b = append(b, ' ')
	b = append(b, md.Proto...)
	for _, f := range md.Formats {
		b = append(b, ' ')
		b = append(b, f...)
	}
	b = append(b, '\r', '\n')
	if md.Information != "" {
		b = appendLine(b, 'i', md.Information)
	}
	for i := range md.Connections {
		b = appendConnection(b, &md.Connections[i])
	}
	for i := range md.Bandwidths {
		b = appendBandwidth(b, &md.Bandwidths[i])
	}
	if md.Key != "" {
		b = appendLine(b, 'k', md.Key)
	}
	return appendAttributes(b, md.Attributes)
}
