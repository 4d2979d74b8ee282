"""A 512-byte x86 boot sector that makes a guest with no OS behave like one.

On boot it

1. finds the ACPI PM I/O base in PCI config space (PIIX4 PM function 0:1.3 on the
   ``pc`` machine, the ICH9 LPC bridge 0:1f.0 on ``q35``; both keep it at 0x40),
2. enables the ACPI power-button event (PM1_EN.PWRBTN_EN),
3. prints ``READY_LINE`` on COM1 (so a test knows a power-button press will be seen:
   QEMU only latches PWRBTN_STS while PWRBTN_EN is set),
4. sleeps with ``sti; hlt`` (woken 18.2 times a second by the BIOS timer, so an idle
   guest costs almost no host CPU under TCG) and polls PM1_STS.PWRBTN_STS,
5. on a press prints ``POWEROFF_LINE`` and writes SLP_EN with SLP_TYP 0 to PM1_CNT,
   which QEMU treats as S5 (soft power off): ``virsh shutdown`` really powers the
   guest off, and ``virsh reboot`` (libvirt's fake reboot: power button, then a reset
   when QEMU reports the guest shutdown) really reboots it, printing READY again.

The program is hand-assembled: each instruction is written as its bytes with the
mnemonic beside it; the tiny ``_Asm`` helper only resolves label offsets.
"""

from __future__ import annotations

READY_LINE = "vsh-guest: ready"
POWEROFF_LINE = "vsh-guest: power button, powering off"

_ORIGIN = 0x7C00  # where the BIOS loads the sector (CS:IP = 0000:7C00, DS set to 0 below)


class _Asm:
    """Byte buffer with labels: enough to place rel8/rel16 jumps and absolute addresses."""

    def __init__(self) -> None:
        self.code = bytearray()
        self.labels: dict[str, int] = {}
        self.fixups: list[tuple[int, str, str]] = []  # (offset, label, kind)

    def label(self, name: str) -> None:
        self.labels[name] = len(self.code)

    def emit(self, *data: int | bytes) -> None:
        for item in data:
            self.code += item if isinstance(item, bytes) else bytes([item])

    def rel8(self, opcode: int, target: str) -> None:  # jz/jnz/jmp short
        self.emit(opcode, 0)
        self.fixups.append((len(self.code) - 1, target, "rel8"))

    def rel16(self, opcode: int, target: str) -> None:  # call near
        self.emit(opcode, 0, 0)
        self.fixups.append((len(self.code) - 2, target, "rel16"))

    def abs16(self, opcode: int, target: str) -> None:  # mov r16, imm16 (an address)
        self.emit(opcode, 0, 0)
        self.fixups.append((len(self.code) - 2, target, "abs16"))

    def resolve(self) -> bytes:
        for at, target, kind in self.fixups:
            dest = self.labels[target]
            if kind == "rel8":
                delta = dest - (at + 1)
                if not -128 <= delta <= 127:
                    raise ValueError(f"short jump to {target} out of range")
                self.code[at] = delta & 0xFF
            elif kind == "rel16":
                self.code[at : at + 2] = ((dest - (at + 2)) & 0xFFFF).to_bytes(2, "little")
            else:
                self.code[at : at + 2] = (_ORIGIN + dest).to_bytes(2, "little")
        return bytes(self.code)


def _imm16(value: int) -> bytes:
    return value.to_bytes(2, "little")


def _imm32(value: int) -> bytes:
    return value.to_bytes(4, "little")


def boot_sector() -> bytes:
    """The 512 bytes: program, messages, zero padding, 0x55 0xAA signature."""
    a = _Asm()
    # --- set-up ------------------------------------------------------------------
    a.emit(0xFA)  #                               cli
    a.emit(0x31, 0xC0)  #                         xor  ax, ax
    a.emit(0x8E, 0xD8)  #                         mov  ds, ax
    a.emit(0x8E, 0xD0)  #                         mov  ss, ax
    a.emit(0xBC, _imm16(_ORIGIN))  #              mov  sp, 0x7c00
    a.emit(0xFC)  #                               cld
    # --- ACPI PM base from PCI config space (mechanism #1, ports 0xCF8/0xCFC) ----
    a.emit(0x66, 0xB8, _imm32(0x80000B00))  #     mov  eax, cfg(0:1.3, 0x00) vendor/device
    a.rel16(0xE8, "pci_read")  #                  call pci_read
    a.emit(0x66, 0x3D, _imm32(0x71138086))  #     cmp  eax, 0x71138086  (8086:7113 PIIX4 PM)
    a.emit(0x66, 0xB8, _imm32(0x80000B40))  #     mov  eax, cfg(0:1.3, 0x40) PMBASE, flags kept
    a.rel8(0x74, "have_pm")  #                    je   have_pm
    a.emit(0x66, 0xB8, _imm32(0x8000F840))  #     mov  eax, cfg(0:1f.0, 0x40) ICH9 PMBASE
    a.label("have_pm")
    a.rel16(0xE8, "pci_read")  #                  call pci_read
    a.emit(0x25, _imm16(0xFFC0))  #               and  ax, 0xffc0   (drop the I/O-space bit)
    a.emit(0x89, 0xC5)  #                         mov  bp, ax       bp = PM1a_EVT_BLK
    # --- PM1_EN.PWRBTN_EN = 1, clear a stale PM1_STS.PWRBTN_STS (write-1-to-clear) -
    a.emit(0x8D, 0x56, 0x02)  #                   lea  dx, [bp+2]   PM1_EN
    a.emit(0xB8, _imm16(0x0100))  #               mov  ax, 0x0100   bit 8: power button
    a.emit(0xEF)  #                               out  dx, ax
    a.emit(0x89, 0xEA)  #                         mov  dx, bp       PM1_STS
    a.emit(0xEF)  #                               out  dx, ax
    a.abs16(0xBE, "ready")  #                     mov  si, ready
    a.rel16(0xE8, "puts")  #                      call puts
    # --- idle until the power button is pressed ---------------------------------
    a.label("idle")
    a.emit(0xFB)  #                               sti
    a.emit(0xF4)  #                               hlt               (next timer tick)
    a.emit(0x89, 0xEA)  #                         mov  dx, bp
    a.emit(0xED)  #                               in   ax, dx       PM1_STS
    a.emit(0xA9, _imm16(0x0100))  #               test ax, 0x0100   PWRBTN_STS?
    a.rel8(0x74, "idle")  #                       jz   idle
    a.emit(0xFA)  #                               cli
    a.abs16(0xBE, "bye")  #                       mov  si, bye
    a.rel16(0xE8, "puts")  #                      call puts
    # --- soft power off: PM1_CNT = SLP_EN | SLP_TYP 0 (QEMU's S5) -----------------
    a.emit(0x8D, 0x56, 0x04)  #                   lea  dx, [bp+4]   PM1_CNT
    a.emit(0xB8, _imm16(0x2000))  #               mov  ax, 0x2000   bit 13: SLP_EN
    a.emit(0xEF)  #                               out  dx, ax
    a.label("halt")
    a.emit(0xF4)  #                               hlt
    a.rel8(0xEB, "halt")  #                       jmp  halt
    # --- pci_read: eax = config address -> eax = config dword ---------------------
    a.label("pci_read")
    a.emit(0xBA, _imm16(0x0CF8))  #               mov  dx, 0xcf8
    a.emit(0x66, 0xEF)  #                         out  dx, eax
    a.emit(0xBA, _imm16(0x0CFC))  #               mov  dx, 0xcfc
    a.emit(0x66, 0xED)  #                         in   eax, dx
    a.emit(0xC3)  #                               ret
    # --- puts: NUL-terminated string at ds:si -> COM1 data port -------------------
    a.label("puts")
    a.emit(0xBA, _imm16(0x03F8))  #               mov  dx, 0x3f8
    a.label("puts_next")
    a.emit(0xAC)  #                               lodsb
    a.emit(0x84, 0xC0)  #                         test al, al
    a.rel8(0x74, "puts_done")  #                  jz   puts_done
    a.emit(0xEE)  #                               out  dx, al
    a.rel8(0xEB, "puts_next")  #                  jmp  puts_next
    a.label("puts_done")
    a.emit(0xC3)  #                               ret
    # --- data ----------------------------------------------------------------------
    a.label("ready")
    a.emit(READY_LINE.encode() + b"\r\n\0")
    a.label("bye")
    a.emit(POWEROFF_LINE.encode() + b"\r\n\0")
    code = a.resolve()
    if len(code) > 510:
        raise ValueError(f"boot sector program is {len(code)} bytes, more than 510")
    return code + bytes(510 - len(code)) + b"\x55\xaa"


def disk_image(size: int = 1 << 20) -> bytes:
    """A raw disk image: the boot sector followed by zeros."""
    sector = boot_sector()
    return sector + bytes(size - len(sector))


if __name__ == "__main__":  # write the sector to stdout (e.g. for objdump -D -b binary -mi8086)
    import sys

    sys.stdout.buffer.write(boot_sector())
