//go:build !amd64 || purego

package srtp

var hasAESNI = false

func encryptBlocksAsm(rounds int, xk *byte, b *byte, nblocks int) {
	panic("srtp: no AES-NI")
}
