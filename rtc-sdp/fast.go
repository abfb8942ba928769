package sdp

// One-pass grammar checks for the typed attributes a browser description
// holds by the dozen (rtcp-fb, rtpmap, fmtp, extmap, ssrc; candidateOK in
// candidate.go). Each accepts exactly what its typed parser accepts,
// without building the value. When one refuses, its check* asks the typed
// parser, so the error and its reason are the parser's own and a fast
// check that refused wrongly would cost only time; one that accepted
// wrongly would be a hole, which FuzzFastChecks, FuzzCandidateOK and
// FuzzAttributes (checkTyped against each Parse*) look for.

// checkRTCPFB checks a=rtcp-fb (see ParseRTCPFeedback).
func checkRTCPFB(v string) error {
	if rtcpFBOK(v) {
		return nil
	}
	_, err := ParseRTCPFeedback(v)
	return err
}

// rtcpFBOK: RFC 4585 §4.2, "<fmt|*> SP rtcp-fb-id [SP param]" with a 7-bit
// payload type, rtcp-fb-id = 1*(alpha-numeric / "-" / "_") and a
// byte-string parameter.
func rtcpFBOK(v string) bool {
	i := 0
	for i < len(v) && v[i] != ' ' {
		i++
	}
	if i == 0 || i >= len(v)-1 {
		return false
	}
	if f := v[:i]; f != "*" {
		if _, err := parseDec(f, 7); err != nil {
			return false
		}
	}
	_, p, ok := scanField(v[i+1:], classRID)
	return ok && isByteString(p)
}

// checkRTPMap checks a=rtpmap (see ParseRTPMap).
func checkRTPMap(v string) error {
	if rtpmapOK(v) {
		return nil
	}
	_, err := ParseRTPMap(v)
	return err
}

// rtpmapOK: RFC 8866 §6.6, "<payload type> <encoding name>/<clock rate>
// [/<encoding parameters>]": a 7-bit payload type, a token name, a 32-bit
// rate and non-zero 16-bit parameters. token-char excludes "/", so the
// name ends at the first byte that is not one, which must be "/".
func rtpmapOK(v string) bool {
	pt, rest, ok := scanField(v, classDigit)
	if !ok || rest == "" {
		return false
	}
	if _, err := parseDec(pt, 7); err != nil {
		return false
	}
	j := 0
	for j < len(rest) && charClass[rest[j]]&classToken != 0 {
		j++
	}
	if j == 0 || j == len(rest) || rest[j] != '/' {
		return false
	}
	rate, ch, hasCh := cutOrAll(rest[j+1:], '/')
	if _, err := parseDec(rate, 32); err != nil {
		return false
	}
	if hasCh {
		if c, err := parseDec(ch, 16); err != nil || c == 0 {
			return false
		}
	}
	return true
}

// checkExtMap checks a=extmap (see ParseExtMap).
func checkExtMap(v string) error {
	if extmapOK(v) {
		return nil
	}
	_, err := ParseExtMap(v)
	return err
}

// extmapOK: RFC 8285 §8, "<value>[/<direction>] SP <URI> [SP <extension
// attributes>]": an id of validExtMapID, a direction, a printable URI and
// byte-string attributes.
func extmapOK(v string) bool {
	i := 0
	for i < len(v) && v[i] != ' ' {
		i++
	}
	if i == 0 || i >= len(v)-1 {
		return false
	}
	idS, dirS, hasDir := cutOrAll(v[:i], '/')
	if id, err := parseDec(idS, 16); err != nil || !validExtMapID(id) {
		return false
	}
	if hasDir {
		if _, ok := ParseDirection(dirS); !ok {
			return false
		}
	}
	_, attrs, ok := scanField(v[i+1:], classVChar)
	return ok && isByteString(attrs)
}

// checkSSRC checks a=ssrc (see ParseSSRC).
func checkSSRC(v string) error {
	if ssrcOK(v) {
		return nil
	}
	_, err := ParseSSRC(v)
	return err
}

// ssrcOK: RFC 5576 §4.1, "<ssrc-id> SP <attribute>[:<value>]": a 32-bit
// id, a token name (token-char excludes ":") and a byte-string value.
func ssrcOK(v string) bool {
	id, rest, ok := scanField(v, classDigit)
	if !ok || rest == "" {
		return false
	}
	if _, err := parseDec(id, 32); err != nil {
		return false
	}
	j := 0
	for j < len(rest) && charClass[rest[j]]&classToken != 0 {
		j++
	}
	switch {
	case j == 0:
		return false
	case j == len(rest):
		return true
	case rest[j] != ':':
		return false
	}
	return isByteString(rest[j+1:])
}

// checkFMTP checks a=fmtp (see ParseFMTP).
func checkFMTP(v string) error {
	if fmtpOK(v) {
		return nil
	}
	_, err := ParseFMTP(v)
	return err
}

// fmtpOK: RFC 8866 §6.15, "<format> SP <format specific parameters>": a
// token and a non-empty byte-string.
func fmtpOK(v string) bool {
	_, params, ok := scanField(v, classToken)
	return ok && params != "" && isByteString(params)
}
