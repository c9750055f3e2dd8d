#include "config/config_store.h"

#include <gtest/gtest.h>

#include <string>

#include "fake_flash.h"

namespace probebox {
namespace {

constexpr size_t kSector = 256;  // small sectors: many erase boundaries per save
constexpr size_t kSlotSectors = 8;

std::string load(hal::FakeFlash& flash) {
  ConfigStore store(flash, kSlotSectors);
  char buf[4096];
  size_t len = 0;
  if (!store.load(buf, len).ok()) return "<none>";
  return std::string(buf, len);
}

std::string config_text(int version, size_t size) {
  std::string s = "{\"schema\":1,\"device\":{\"name\":\"v" + std::to_string(version) + "\",\"location\":\"";
  while (s.size() + 3 < size) s += static_cast<char>('a' + (version + s.size()) % 26);
  return s + "\"}}";
}

TEST(ConfigStore, EmptyFlashHasNoConfig) {
  hal::FakeFlash flash(kSector, 2 * kSlotSectors);
  EXPECT_EQ(load(flash), "<none>");
}

TEST(ConfigStore, SaveAlternatesSlotsAndNewestWins) {
  hal::FakeFlash flash(kSector, 2 * kSlotSectors);
  ConfigStore store(flash, kSlotSectors);
  for (int v = 1; v <= 5; ++v) {
    ASSERT_TRUE(store.save(config_text(v, 300 + v * 97)).ok());
    EXPECT_EQ(load(flash), config_text(v, 300 + v * 97));
    EXPECT_EQ(store.sequence(), static_cast<uint32_t>(v));
  }
}

TEST(ConfigStore, TooLargeIsRefusedAndChangesNothing) {
  hal::FakeFlash flash(kSector, 2 * kSlotSectors);
  ConfigStore store(flash, kSlotSectors);
  ASSERT_TRUE(store.save("{\"schema\":1}").ok());
  EXPECT_EQ(store.save(std::string(store.capacity() + 1, 'x')).code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(load(flash), "{\"schema\":1}");
}

TEST(ConfigStore, CorruptionOfTheNewestFallsBackToTheOlder) {
  hal::FakeFlash flash(kSector, 2 * kSlotSectors);
  ConfigStore store(flash, kSlotSectors);
  ASSERT_TRUE(store.save(config_text(1, 500)).ok());
  ASSERT_TRUE(store.save(config_text(2, 500)).ok());  // lands in slot 1
  flash.raw()[kSlotSectors * kSector + ConfigStore::kHeaderBytes + 10] ^= 0x01;
  EXPECT_EQ(load(flash), config_text(1, 500));
}

TEST(ConfigStore, FactoryResetErasesBoth) {
  hal::FakeFlash flash(kSector, 2 * kSlotSectors);
  ConfigStore store(flash, kSlotSectors);
  ASSERT_TRUE(store.save(config_text(1, 500)).ok());
  ASSERT_TRUE(store.save(config_text(2, 500)).ok());
  ASSERT_TRUE(store.erase_all().ok());
  EXPECT_EQ(load(flash), "<none>");
}

// The power-loss proof: cut a save at every byte written and every sector-erase
// boundary, reboot, and find either the old or the new config — never anything else.
TEST(ConfigStore, PowerLossAtEveryPointLeavesOldOrNew) {
  for (int previous_saves : {1, 2}) {  // the save lands in slot 1, then in slot 0
    hal::FakeFlash reference(kSector, 2 * kSlotSectors);
    ConfigStore ref_store(reference, kSlotSectors);
    std::string old_text;
    for (int v = 1; v <= previous_saves; ++v) {
      old_text = config_text(v, 700);
      ASSERT_TRUE(ref_store.save(old_text).ok());
    }
    const std::string new_text = config_text(9, 1100);
    const std::vector<uint8_t> before = reference.raw();
    size_t ops_before = reference.operations();
    ASSERT_TRUE(ref_store.save(new_text).ok());
    size_t total_ops = reference.operations() - ops_before;
    ASSERT_GT(total_ops, new_text.size());

    int saw_old = 0, saw_new = 0;
    for (size_t cut = 0; cut <= total_ops; ++cut) {
      hal::FakeFlash flash(kSector, 2 * kSlotSectors);
      flash.raw() = before;
      flash.cut_power_after(cut);
      ConfigStore store(flash, kSlotSectors);
      Status s = store.save(new_text);
      EXPECT_EQ(s.ok(), cut == total_ops) << "cut " << cut;
      flash.restore_power();  // reboot
      std::string booted = load(flash);
      if (booted == old_text) ++saw_old;
      else if (booted == new_text) ++saw_new;
      else ADD_FAILURE() << "cut after " << cut << " of " << total_ops << " operations booted: " << booted.substr(0, 40);
    }
    EXPECT_EQ(saw_old, static_cast<int>(total_ops));  // every cut before the last header byte
    EXPECT_EQ(saw_new, 1);
  }
}

}  // namespace
}  // namespace probebox
