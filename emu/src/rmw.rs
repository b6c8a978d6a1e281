//! Which instructions read and write the same memory operand, for the page-fault error code.
//!
//! The CPU reads the destination of a read-modify-write instruction (`add %eax, (m)`, `inc`,
//! `xchg`, `cmpxchg8b` …) with write intent, so a fault on that read already has the error code's
//! write bit set (Intel SDM vol. 3, 4.7; the kernel passes it on in `uc_mcontext.err`). The
//! engine instead loads the operand first, as a plain read: when that load is refused,
//! signal.rs asks [`read_modify_write`] about the instruction and reports a write, as the host
//! CPU does. Other instructions that read one operand and write another (`push (m)`, `movs`)
//! fault on the read as a read.

/// Whether the 32-bit-mode instruction at the start of `code` reads and writes its ModRM memory
/// operand. Unknown, truncated or register-operand forms: false.
pub fn read_modify_write(code: &[u8]) -> bool {
    // Legacy prefixes: operand and address size, lock, rep, segment overrides.
    let start = code
        .iter()
        .take(14)
        .position(|b| !matches!(b, 0x26 | 0x2e | 0x36 | 0x3e | 0x64 | 0x65 | 0x66 | 0x67 | 0xf0 | 0xf2 | 0xf3));
    let Some(start) = start else {
        return false;
    };
    let (escaped, at) = if code[start] == 0x0f { (true, start + 1) } else { (false, start) };
    let (Some(&op), Some(&modrm)) = (code.get(at), code.get(at + 1)) else {
        return false;
    };
    if modrm >> 6 == 3 {
        return false;
    }
    let reg = modrm >> 3 & 7;
    if escaped {
        match op {
            // bts, btr, btc; shld, shrd; cmpxchg; xadd.
            0xab | 0xb3 | 0xbb | 0xa4 | 0xa5 | 0xac | 0xad | 0xb0 | 0xb1 | 0xc0 | 0xc1 => true,
            // Group 8 with an immediate bit offset: bts, btr, btc (not bt, /4).
            0xba => reg >= 5,
            // Group 9: cmpxchg8b.
            0xc7 => reg == 1,
            _ => false,
        }
    } else {
        match op {
            // add, or, adc, sbb, and, sub, xor with the memory operand as destination (not cmp).
            0x00 | 0x01 | 0x08 | 0x09 | 0x10 | 0x11 | 0x18 | 0x19 | 0x20 | 0x21 | 0x28 | 0x29 | 0x30 | 0x31 => true,
            // Group 1 with an immediate: all but cmp (/7).
            0x80..=0x83 => reg != 7,
            // xchg.
            0x86 | 0x87 => true,
            // Group 2: rotates and shifts.
            0xc0 | 0xc1 | 0xd0..=0xd3 => true,
            // Group 3: not, neg (test, mul and div only read).
            0xf6 | 0xf7 => reg == 2 || reg == 3,
            // Groups 4 and 5: inc, dec (not call, jmp, push).
            0xfe | 0xff => reg <= 1,
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::read_modify_write;

    #[test]
    fn destinations_read_with_write_intent() {
        // addl $1, (%eax); lock addl $1, (%eax); xchg %eax, (%edx); incw (%eax)
        assert!(read_modify_write(&[0x83, 0x00, 0x01]));
        assert!(read_modify_write(&[0xf0, 0x83, 0x00, 0x01]));
        assert!(read_modify_write(&[0x87, 0x02]));
        assert!(read_modify_write(&[0x66, 0xff, 0x00]));
        // lock cmpxchg8b (%esi); xadd %eax, (%ecx); btsl $3, (%eax); shll (%eax); notl 4(%ebx)
        assert!(read_modify_write(&[0xf0, 0x0f, 0xc7, 0x0e]));
        assert!(read_modify_write(&[0x0f, 0xc1, 0x01]));
        assert!(read_modify_write(&[0x0f, 0xba, 0x28, 0x03]));
        assert!(read_modify_write(&[0xd1, 0x20]));
        assert!(read_modify_write(&[0xf7, 0x53, 0x04]));
        // A segment override in front: addl %eax, %gs:(%edx)
        assert!(read_modify_write(&[0x65, 0x01, 0x02]));
    }

    #[test]
    fn reads_and_register_forms_are_not() {
        // cmpl $1, (%eax); cmp %eax, (%edx); testl $1, (%eax); btl $3, (%eax); pushl (%eax);
        // mov (%eax), %eax; call *(%eax); add %eax, %edx (register); movaps (%eax), %xmm1
        for code in [
            &[0x83, 0x38, 0x01][..],
            &[0x39, 0x02],
            &[0xf7, 0x00, 1, 0, 0, 0],
            &[0x0f, 0xba, 0x20, 0x03],
            &[0xff, 0x30],
            &[0x8b, 0x00],
            &[0xff, 0x10],
            &[0x01, 0xc2],
            &[0x0f, 0x28, 0x08],
        ] {
            assert!(!read_modify_write(code), "{code:x?}");
        }
        // Truncated, empty, prefixes only.
        assert!(!read_modify_write(&[0x83]));
        assert!(!read_modify_write(&[]));
        assert!(!read_modify_write(&[0xf0; 15]));
    }
}
