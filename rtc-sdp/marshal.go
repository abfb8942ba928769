package sdp

import "strconv"

// Marshal returns the description as text with CRLF line endings, fields
// in the order of RFC 8866 §5 (v o s i u e p c b t r z k a, then each m=
// with i c b k a). It refuses (nil and a *ValidationError) a description
// with a field its grammar does not allow (see Validate): no value, typed
// or not, local or copied from a remote description, is written without
// being checked.
func (sd *SessionDescription) Marshal() ([]byte, error) {
	b, err := sd.appendChecked(make([]byte, 0, sd.marshalSize()))
	if err != nil {
		return nil, err
	}
	return b, nil
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
		b = appendAttribute(b, &as[i])
	}
	return b
}

func appendAttribute(b []byte, a *Attribute) []byte {
	b = append(b, 'a', '=')
	b = append(b, a.Key...)
	if a.Value != "" {
		b = append(b, ':')
		b = append(b, a.Value...)
	}
	return append(b, '\r', '\n')
}

// AppendTo appends the text of the description to b, or returns b
// unchanged (its length and contents; bytes past its length may have been
// written) and a *ValidationError when Marshal would refuse it.
func (sd *SessionDescription) AppendTo(b []byte) ([]byte, error) {
	return sd.appendChecked(b)
}

// appendChecked is Validate and appendText in one pass: each field is
// checked before it is written, and on the first failure b is returned at
// its original length with the error Validate would return. Attributes
// still equal to what Parse checked are not checked again (see
// validateAttrs), and a run of them that lay on consecutive CRLF lines of
// the parsed text is copied from it at once.
func (sd *SessionDescription) appendChecked(b []byte) ([]byte, error) {
	start := len(b)
	if err := sd.checkFields(); err != nil {
		return b, &ValidationError{Media: -1, Err: err}
	}
	b = sd.appendHeader(b)
	var err error
	seg, chk := nextChecked(sd.checked)
	if b, err = appendAttrsChecked(b, sd.Attributes, sd.src, seg); err != nil {
		return b[:start], &ValidationError{Media: -1, Err: err}
	}
	for i, md := range sd.Media {
		seg, chk = nextChecked(chk)
		if err := md.checkHeader(); err != nil {
			return b[:start], &ValidationError{Media: i, Err: err}
		}
		b = md.appendHeader(b)
		if b, err = appendAttrsChecked(b, md.Attributes, sd.src, seg); err != nil {
			return b[:start], &ValidationError{Media: i, Err: err}
		}
	}
	return b, nil
}

// appendAttrsChecked appends the attributes, checking each as
// validateAttrs does, and stops at the first that fails.
func appendAttrsChecked(b []byte, as Attributes, src string, checked []attrSpan) ([]byte, error) {
	for i := 0; i < len(as); {
		if i < len(checked) && checked[i].matches(src, &as[i]) {
			// src[off-2:] is this attribute's "a=" line. While the line
			// ends in CRLF and the next attribute, unchanged too, starts
			// the next line, the text to write is src's own.
			first, end := int(checked[i].off)-2, checked[i].lineEnd()
			for i++; i < len(as) && i < len(checked) && int(checked[i].off) == end+4 &&
				src[end:end+2] == "\r\n" && checked[i].matches(src, &as[i]); i++ {
				end = checked[i].lineEnd()
			}
			b = append(b, src[first:end]...)
			b = append(b, '\r', '\n')
			continue
		}
		a := &as[i]
		if err := checkAttrLine(a); err != nil {
			return b, err
		}
		b = appendAttribute(b, a)
		i++
	}
	return b, nil
}

// appendText appends the text of a validated description.
func (sd *SessionDescription) appendText(b []byte) []byte {
	b = sd.appendHeader(b)
	b = appendAttributes(b, sd.Attributes)
	for _, md := range sd.Media {
		b = md.appendText(b)
	}
	return b
}

// appendHeader appends the session-level lines before the attributes.
func (sd *SessionDescription) appendHeader(b []byte) []byte {
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
	return appendAttributes(md.appendHeader(b), md.Attributes)
}

// appendHeader appends the m= line and the lines before the attributes.
func (md *MediaDescription) appendHeader(b []byte) []byte {
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
	return b
}
