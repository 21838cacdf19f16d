"""Leases: several daemons on one database share its channels, hand them back on a clean
stop, take a dead one's over after lease_ttl, and settle only a dead daemon's sends. On
SQLite and on PostgreSQL (the `database` fixture), with the clock passed in."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.errors import UserError
from bot.policy import ChannelPolicy
from bot.store import NoClaim, Store
from bot.store import leases as L
from tests.store_support import REPEAT, T0, add, plain

TTL = timedelta(seconds=30)
BEAT = timedelta(seconds=10)
CHANNELS = [f"{L.CHANNEL}c{i:02}" for i in range(30)]


@pytest.fixture
def store(database):
    with Store.open(database) as store:
        yield store


def never_gone(host, pid) -> bool:
    return False


def start(store, name, now=T0, *, host="host-a", pid=1):
    store.write_with(
        L.register, name, host=host, pid=pid, now=now, ttl=TTL, predecessor_gone=never_gone
    )


def beat(store, name, now, wanted=CHANNELS, busy=()):
    return store.write_with(L.heartbeat, name, wanted=wanted, busy=busy, now=now, ttl=TTL)


def settle(store, names, start_at=T0, rounds=3):
    """Every instance beats in turn, `rounds` times, BEAT apart; the last beats."""
    now = start_at
    last = {}
    for _ in range(rounds):
        for name in names:
            last[name] = beat(store, name, now)
        now += BEAT
    return last, now


def test_three_daemons_share_thirty_channels_evenly(store):
    for i, name in enumerate(["a", "b", "c"]):
        start(store, name, pid=i)
    beats, _ = settle(store, ["a", "b", "c"])
    held = [beats[name].held for name in "abc"]
    assert [len(h) for h in held] == [10, 10, 10]
    assert set().union(*held) == set(CHANNELS)  # every channel held, by exactly one
    assert sum(len(h) for h in held) == 30


def test_a_new_daemon_takes_its_share_and_the_others_hand_theirs_back(store):
    start(store, "a")
    first = beat(store, "a", T0)
    assert len(first.held) == 30 and all(not a.handed_back for a in first.acquired)
    start(store, "b", T0 + BEAT, pid=2)
    beats, _ = settle(store, ["a", "b"], T0 + BEAT)
    assert len(beats["a"].held) == len(beats["b"].held) == 15
    assert not beats["a"].held & beats["b"].held


def test_work_under_way_keeps_its_lease(store):
    start(store, "a")
    beat(store, "a", T0)
    start(store, "b", T0, pid=2)
    beat(store, "b", T0)
    busy = CHANNELS[-20:]  # the ones "a" would hand back first
    after = beat(store, "a", T0 + BEAT, busy=busy)
    assert set(busy) <= after.held and not set(after.released) & set(busy)


def test_a_clean_stop_hands_every_lease_back_at_once(store):
    for i, name in enumerate(["a", "b", "c"]):
        start(store, name, pid=i)
    beats, now = settle(store, ["a", "b", "c"])
    gone = beats["c"].held
    assert store.write_with(L.release_all, "c", now=now) == sorted(gone)
    taken = beat(store, "a", now + timedelta(seconds=1))  # long before c's lease ran out
    assert {a.name for a in taken.acquired} <= gone and len(taken.held) == 15
    assert all(a.handed_back and a.previous is None for a in taken.acquired)
    assert set(beat(store, "b", now + timedelta(seconds=2)).held) | taken.held == set(CHANNELS)


def test_a_dead_daemons_leases_are_taken_over_after_lease_ttl(store):
    for i, name in enumerate(["a", "b", "c"]):
        start(store, name, pid=i)
    beats, now = settle(store, ["a", "b", "c"])  # c's last beat: now - BEAT
    dead = beats["c"].held
    last_beat_of_c = now - BEAT
    early = last_beat_of_c + TTL - timedelta(seconds=1)
    assert not {a.name for a in beat(store, "a", early).acquired} & dead  # not yet: c's
    beat(store, "b", early)  # lease runs on
    late = last_beat_of_c + TTL + timedelta(seconds=1)
    a, b = beat(store, "a", late), beat(store, "b", late)
    assert {x.name for x in a.acquired + b.acquired} == dead
    assert {x.previous for x in a.acquired + b.acquired} == {"c"}
    assert not any(x.handed_back for x in a.acquired + b.acquired)
    assert len(a.held) == len(b.held) == 15 and a.live == b.live == ("a", "b")


def test_only_a_dead_daemons_sends_are_settled(store):
    add(store, "art", "one", "two", "three", channels=[("x", False)])
    start(store, "live")
    start(store, "dead", pid=2)
    wanted = [L.CHANNEL + "x"]
    beat(store, "live", T0, wanted)
    store.act_as("live", fenced=True)
    flying = store.claim_next_post(ChannelPolicy("x", repeat_after=REPEAT), now=T0, render=plain)
    store.act_as("dead", fenced=False)  # as an old daemon without leases would
    orphan = store.claim_next_post(ChannelPolicy("x", repeat_after=REPEAT), now=T0, render=plain)
    later = T0 + TTL + BEAT
    beat(store, "live", later, wanted)  # "dead" never beat again: gone
    assert store.write_with(L.settle_orphans, ["x"], now=later, ttl=TTL) == ([orphan.id], [])
    assert store.get_post(orphan.id).status == "unknown"
    assert store.get_post(flying.id).status == "sending"  # the live daemon's, in flight
    keyed = store.write_with(L.settle_orphans, ["x"], keyed=["x"], now=later, ttl=TTL)
    assert keyed == ([], [])


def test_each_slot_fires_once_whoever_fires_it(store):
    # The scheduler's run of a slot and a catch-up of the same slot after a takeover (or
    # two daemons, one of them late): the first notes it, the others find it fired.
    start(store, "a")
    beat(store, "a", T0, [L.CHANNEL + "x"])
    slot = T0 + timedelta(seconds=5)
    assert store.write_with(L.begin_slot, "a", "x", slot=slot, now=slot, fenced=True)
    late = slot + timedelta(seconds=1)
    assert not store.write_with(L.begin_slot, "a", "x", slot=slot, now=late, fenced=True)
    assert not store.write_with(L.begin_slot, "a", "x", slot=T0, now=late, fenced=True)
    assert store.channel_state("x").last_slot_at == slot
    following = slot + timedelta(seconds=5)
    assert store.write_with(L.begin_slot, "a", "x", slot=following, now=following, fenced=False)
    assert store.channel_state("x").last_slot_at == following


def test_a_claim_needs_the_channels_lease_when_fenced(store):
    add(store, "art", "one", "two", channels=[("x", False)])
    start(store, "a")
    start(store, "b", pid=2)
    beat(store, "a", T0, [L.CHANNEL + "x"])
    beat(store, "b", T0, [L.CHANNEL + "x"])
    policy = ChannelPolicy("x", repeat_after=REPEAT)
    store.act_as("b", fenced=True)
    assert store.claim_next_post(policy, now=T0, render=plain) is NoClaim.NOT_HELD
    assert not store.write_with(L.begin_slot, "b", "x", slot=T0, now=T0, fenced=True)
    store.act_as("a", fenced=True)
    assert store.write_with(L.begin_slot, "a", "x", slot=T0, now=T0, fenced=True)
    claimed = store.claim_next_post(policy, now=T0, render=plain)
    assert claimed.channel == "x"
    # Cut off past its lease: "a" claims nothing more, even before anyone took it over.
    assert store.claim_next_post(policy, now=T0 + TTL + BEAT, render=plain) is NoClaim.NOT_HELD


def test_a_second_daemon_of_the_same_name_is_refused(store):
    start(store, "web-1", host="one", pid=10)
    beat(store, "web-1", T0)
    with pytest.raises(
        UserError,
        match=r'another excerpt-bot named "web-1" is running on '
        r"one \(pid 10, last seen 5 s ago\)",
    ):
        start(store, "web-1", T0 + timedelta(seconds=5), host="two", pid=11)
    # Its own dead predecessor on this machine (a crash, a quick restart) is no obstacle,
    # and what it held is taken again as after a crash.
    store.write_with(
        L.register,
        "web-1",
        host="one",
        pid=12,
        now=T0 + BEAT,
        ttl=TTL,
        predecessor_gone=lambda host, pid: pid == 10,
    )
    again = beat(store, "web-1", T0 + BEAT)
    assert len(again.held) == 30 and {a.previous for a in again.acquired} == {"web-1"}
    # Once stopped, or unseen for lease_ttl, the name is free.
    store.write_with(L.release_all, "web-1", now=T0 + 2 * BEAT)
    start(store, "web-1", T0 + 2 * BEAT, host="two", pid=11)


def test_ownership_names_each_channels_owner(store):
    start(store, "a")
    start(store, "b", pid=2)
    settle(store, ["a", "b"], rounds=2)
    seen = store.read_with(L.ownership, now=T0 + BEAT)
    assert set(seen.instances) == {"a", "b"}
    assert sorted(seen.instances["a"][2] + seen.instances["b"][2]) == [
        name.removeprefix(L.CHANNEL) for name in CHANNELS
    ]
    assert seen.leases_held == {"a": 15, "b": 15}
    assert seen.owners["c00"] in ("a", "b")
