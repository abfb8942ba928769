//go:build !amd64 || purego

package srtp

const hasAESNI = false

func encryptBlocksAsm(rounds int, xk *byte, b *byte, nblocks int) {
	panic("srtp: no AES-NI")
}
