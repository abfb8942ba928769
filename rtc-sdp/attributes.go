package sdp

import "iter"

// Attributes is a list of a= lines with lookup helpers. Order is kept.
type Attributes []Attribute

// Get returns the value of the first attribute named key.
func (as Attributes) Get(key string) (string, bool) {
	for i := range as {
		if as[i].Key == key {
			return as[i].Value, true
		}
	}
	return "", false
}

// Has reports whether an attribute named key is present.
func (as Attributes) Has(key string) bool {
	_, ok := as.Get(key)
	return ok
}

// Values iterates over the values of every attribute named key.
func (as Attributes) Values(key string) iter.Seq[string] {
	return func(yield func(string) bool) {
		for i := range as {
			if as[i].Key == key && !yield(as[i].Value) {
				return
			}
		}
	}
}

// Count returns how many attributes are named key.
func (as Attributes) Count(key string) int {
	n := 0
	for i := range as {
		if as[i].Key == key {
			n++
		}
	}
	return n
}

// Add appends an attribute.
func (as *Attributes) Add(key, value string) { *as = append(*as, Attribute{key, value}) }

// AddFlag appends a property attribute ("a=rtcp-mux").
func (as *Attributes) AddFlag(key string) { *as = append(*as, Attribute{Key: key}) }

// Set replaces the value of the first attribute named key, or appends one.
func (as *Attributes) Set(key, value string) {
	for i := range *as {
		if (*as)[i].Key == key {
			(*as)[i].Value = value
			return
		}
	}
	as.Add(key, value)
}

// Remove deletes every attribute named key and reports how many there were.
func (as *Attributes) Remove(key string) int {
	out := (*as)[:0]
	n := 0
	for _, a := range *as {
		if a.Key == key {
			n++
			continue
		}
		out = append(out, a)
	}
	clear((*as)[len(out):])
	*as = out
	return n
}

// AttrValue is a typed attribute value that can be marshalled: Candidate,
// Fingerprint, RTPMap, FMTP, RTCPFeedback, ExtMap, SSRC, SSRCGroup, RID,
// Simulcast, Group, MSID, RTCP, ... Add one with Attributes.AddValue.
type AttrValue interface {
	// AttrKey returns the attribute name, e.g. "rtpmap".
	AttrKey() string
	// AppendValue appends the attribute value (the part after the colon).
	AppendValue(b []byte) []byte
}

// AddValue appends a typed attribute.
func (as *Attributes) AddValue(v AttrValue) {
	as.Add(v.AttrKey(), string(v.AppendValue(nil)))
}
