// Where each record lives in the box's flash (128 sectors of 4 KiB on both the
// simulator's file and the QEMU board's semihosted image, memory-mapped on both:
// hal::FlashStore::mapped()). Every record is written power-loss-safe; a factory
// reset erases all of them.
#pragma once
#include <cstddef>
#include <cstdint>

namespace probebox::flash_layout {

// Two slots of 18 sectors (72 KiB): a 64 KiB config plus its header fits one.
inline constexpr size_t kConfigFirstSector = 0;
inline constexpr size_t kConfigSlotSectors = 18;
// The admin password hash: two one-sector slots.
inline constexpr size_t kCredentialsFirstSector = 36;
inline constexpr size_t kCredentialsSlotSectors = 1;
inline constexpr uint32_t kCredentialsMagic = 0x44524350;  // "PCRD"
// The recent events: a ring of sectors (see monitor/event_store.h).
inline constexpr size_t kEventsFirstSector = 38;
inline constexpr size_t kEventsSectors = 8;
// SNMPv3's snmpEngineBoots (RFC 3414 2.2.2): a start counter, two one-sector slots.
inline constexpr size_t kSnmpEngineFirstSector = kEventsFirstSector + kEventsSectors;
inline constexpr size_t kSnmpEngineSlotSectors = 1;
inline constexpr uint32_t kSnmpEngineMagic = 0x424E5350;  // "PSNB"
// The web UI's HTTPS key and certificate (net/tls_server.h's record): two slots of
// two sectors. Erased by a factory reset, so the box then makes a new key.
inline constexpr size_t kTlsIdentityFirstSector = kSnmpEngineFirstSector + 2 * kSnmpEngineSlotSectors;
inline constexpr size_t kTlsIdentitySlotSectors = 2;
inline constexpr uint32_t kTlsIdentityMagic = 0x534C5450;  // "PTLS"
// Where a large request body (PUT /api/config, PUT /api/tls) lands as it arrives,
// before it is checked: no RAM holds it. A config goes on from here into the
// inactive config slot (with the stored secrets put back), so nothing written here
// is ever the box's config; a body cut off mid-way is simply never used. 64 KiB.
inline constexpr size_t kUploadFirstSector = kTlsIdentityFirstSector + 2 * kTlsIdentitySlotSectors;
inline constexpr size_t kUploadSectors = 16;
// Everything a factory reset erases.
inline constexpr size_t kUsedSectors = kUploadFirstSector + kUploadSectors;
// The smallest flash the box runs on (the boards have 128 sectors).
inline constexpr size_t kMinimumSectors = kUsedSectors;

}  // namespace probebox::flash_layout
