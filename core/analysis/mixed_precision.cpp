#include "analysis/mixed_precision.h"

#include "common/error.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace qs {

namespace {
struct Choice {
    std::size_t option;
    double bits;
    double error;
};

// Per layer, the options no other option of the layer beats: by bits ascending, error
// strictly descending.
std::vector<Choice> frontOf(const FormatTable& table, std::size_t layer)
{
    std::vector<Choice> all;
    for (std::size_t o = 0; o < table.options.size(); ++o) {
        const OptionCell& cell = table.cells[layer][o];
        if (cell.applies)
            all.push_back({o, cell.bits, cell.sums.sumE2});
    }
    std::sort(all.begin(), all.end(), [](const Choice& a, const Choice& b) {
        return a.bits != b.bits ? a.bits < b.bits : a.error < b.error;
    });
    std::vector<Choice> front;
    for (const Choice& c : all)
        if (front.empty() || c.error < front.back().error)
            front.push_back(c);
    return front;
}

// One step of the lower convex hull of a layer's front: Δbits > 0 buys a drop in error.
struct Upgrade {
    double bits;
    double gain;
    double rate() const { return gain / bits; }
};

std::vector<Upgrade> hullUpgrades(const std::vector<Choice>& front)
{
    std::vector<std::size_t> hull;
    for (std::size_t i = 0; i < front.size(); ++i) {
        // Keep the chain convex: drop the middle point while it lies on or above the chord.
        while (hull.size() >= 2) {
            const Choice& a = front[hull[hull.size() - 2]];
            const Choice& b = front[hull.back()];
            const Choice& c = front[i];
            const double cross =
                (b.bits - a.bits) * (c.error - a.error) - (c.bits - a.bits) * (b.error - a.error);
            if (cross <= 0)
                hull.pop_back();
            else
                break;
        }
        hull.push_back(i);
    }
    std::vector<Upgrade> upgrades;
    for (std::size_t k = 1; k < hull.size(); ++k)
        upgrades.push_back({front[hull[k]].bits - front[hull[k - 1]].bits,
                            front[hull[k - 1]].error - front[hull[k]].error});
    return upgrades;
}

// The linear relaxation of the layers not yet decided: their cheapest options, then hull
// upgrades by decreasing error saved per bit, the last one taken in part. Every layer's
// upgrades are sorted once; deciding a layer takes its own out of two Fenwick trees (bits
// and gain by rank), so a bound costs O(log n) and the whole plan O(n log n) in upgrades.
class RelaxationBound {
public:
    explicit RelaxationBound(const std::vector<std::vector<Choice>>& fronts)
    {
        struct Ranked {
            std::size_t layer;
            Upgrade upgrade;
        };
        std::vector<Ranked> all;
        for (std::size_t layer = 0; layer < fronts.size(); ++layer) {
            baseBits_ += fronts[layer].front().bits;
            baseError_ += fronts[layer].front().error;
            for (const Upgrade& u : hullUpgrades(fronts[layer]))
                all.push_back({layer, u});
        }
        std::stable_sort(all.begin(), all.end(), [](const Ranked& a, const Ranked& b) {
            return a.upgrade.rate() > b.upgrade.rate();
        });
        const std::size_t n = all.size();
        bitsTree_.assign(n + 1, 0);
        gainTree_.assign(n + 1, 0);
        bits_.resize(n);
        gain_.resize(n);
        rates_.resize(n);
        ranksOf_.resize(fronts.size());
        for (std::size_t i = 0; i < n; ++i) {
            bits_[i] = all[i].upgrade.bits;
            gain_[i] = all[i].upgrade.gain;
            rates_[i] = all[i].upgrade.rate();
            ranksOf_[all[i].layer].push_back(i);
            add(i, bits_[i], gain_[i]);
        }
        firstBits_ = baseBits_;
        for (std::size_t layer = 0; layer < fronts.size(); ++layer)
            cheapest_.push_back({fronts[layer].front().bits, fronts[layer].front().error});
        while (step_ * 2 <= n)
            step_ *= 2;
    }

    // The bits every layer needs at least.
    double minimumBits() const { return firstBits_; }

    // The layer is decided: it leaves the relaxation.
    void remove(std::size_t layer)
    {
        baseBits_ -= cheapest_[layer].first;
        baseError_ -= cheapest_[layer].second;
        for (std::size_t rank : ranksOf_[layer])
            add(rank, -bits_[rank], -gain_[rank]);
    }

    // The least error the remaining layers can reach with `bits` (infinity when too few).
    double bound(double bits) const
    {
        const double spare = bits - baseBits_;
        if (spare < 0)
            return std::numeric_limits<double>::infinity();
        // Fenwick descent: the longest prefix of upgrades (by rank) whose bits fit.
        std::size_t position = 0;
        double used = 0, gain = 0;
        for (std::size_t step = step_; step > 0; step /= 2) {
            const std::size_t next = position + step;
            if (next < bitsTree_.size() && used + bitsTree_[next] <= spare) {
                position = next;
                used += bitsTree_[next];
                gain += gainTree_[next];
            }
        }
        // The upgrade after the prefix is still in (a removed one has no bits and would
        // have fitted): take the part of it that fits.
        if (position < rates_.size())
            gain += (spare - used) * rates_[position];
        return std::max(0.0, baseError_ - gain);
    }

private:
    void add(std::size_t rank, double bits, double gain)
    {
        for (std::size_t i = rank + 1; i < bitsTree_.size(); i += i & (~i + 1)) {
            bitsTree_[i] += bits;
            gainTree_[i] += gain;
        }
    }

    double baseBits_ = 0;
    double baseError_ = 0;
    double firstBits_ = 0;
    std::size_t step_ = 1;
    std::vector<double> bitsTree_, gainTree_; // 1-based Fenwick trees over ranks
    std::vector<double> bits_, gain_, rates_; // per rank
    std::vector<std::vector<std::size_t>> ranksOf_;
    std::vector<std::pair<double, double>> cheapest_;
};

// A feasible plan to prune against: the relaxation's upgrades taken whole while they fit.
std::vector<std::size_t> greedyPositions(const std::vector<std::vector<Choice>>& fronts,
                                         double budget)
{
    std::vector<std::size_t> position(fronts.size(), 0);
    double used = 0;
    for (const auto& front : fronts)
        used += front.front().bits;
    // Repeatedly take the best error saved per bit among each layer's possible moves.
    for (bool moved = true; moved;) {
        moved = false;
        double bestRate = 0;
        std::size_t bestLayer = 0, bestTo = 0;
        for (std::size_t layer = 0; layer < fronts.size(); ++layer) {
            const Choice& now = fronts[layer][position[layer]];
            for (std::size_t to = position[layer] + 1; to < fronts[layer].size(); ++to) {
                const Choice& next = fronts[layer][to];
                const double extra = next.bits - now.bits;
                if (used + extra > budget)
                    continue;
                const double rate = (now.error - next.error) / extra;
                if (rate > bestRate) {
                    bestRate = rate;
                    bestLayer = layer;
                    bestTo = to;
                }
            }
        }
        if (bestRate > 0) {
            used += fronts[bestLayer][bestTo].bits - fronts[bestLayer][position[bestLayer]].bits;
            position[bestLayer] = bestTo;
            moved = true;
        }
    }
    return position;
}

struct State {
    double bits;
    double error;
    std::uint32_t parent; // index in the previous layer's states
    std::uint32_t pick;   // position in this layer's front
};
} // namespace

MixedPlan planMixedPrecision(const FormatTable& table, double budgetBits, const PlanLimits& limits)
{
    const std::size_t layers = table.layers.size();
    std::vector<std::vector<Choice>> fronts(layers);
    double signal = 0;
    for (std::size_t l = 0; l < layers; ++l) {
        fronts[l] = frontOf(table, l);
        if (fronts[l].empty())
            throw UsageError("no option applies to " + table.layers[l]);
        signal += table.cells[l][fronts[l].front().option].sums.sumX2;
    }
    // Layers with the most at stake first: their choices split the states early, where
    // the bound prunes best.
    std::vector<std::size_t> order(layers);
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
        return fronts[a].front().error - fronts[a].back().error >
               fronts[b].front().error - fronts[b].back().error;
    });
    RelaxationBound rest(fronts);
    if (rest.minimumBits() > budgetBits)
        throw UsageError("the budget is below the smallest plan (" +
                         std::to_string(rest.minimumBits() / 8.0 / 1e6) + " MB)");

    MixedPlan plan;
    plan.signal = signal;
    plan.lowerBound = rest.bound(budgetBits);
    const std::vector<std::size_t> greedy = greedyPositions(fronts, budgetBits);
    double incumbent = 0;
    for (std::size_t l = 0; l < layers; ++l)
        incumbent += fronts[l][greedy[l]].error;
    // Pruning keeps a state only if it can beat the incumbent by more than rounding (the
    // bound's sums are updated by subtraction, so allow for their drift).
    const auto canBeat = [&](double reachable) {
        return reachable < incumbent * (1 - 1e-9);
    };

    std::vector<std::vector<State>> states(layers + 1);
    states[0].push_back({0, 0, 0, 0});
    bool truncated = false;
    std::size_t statesKept = 0;
    for (std::size_t k = 0; k < layers; ++k) {
        if (limits.keepGoing && !limits.keepGoing())
            throw CancelledError();
        const auto& front = fronts[order[k]];
        rest.remove(order[k]);
        std::vector<State> next;
        for (std::uint32_t s = 0; s < states[k].size(); ++s) {
            const State& from = states[k][s];
            for (std::uint32_t p = 0; p < front.size(); ++p) {
                const double bits = from.bits + front[p].bits;
                const double error = from.error + front[p].error;
                if (!canBeat(error + rest.bound(budgetBits - bits)))
                    continue;
                next.push_back({bits, error, s, p});
            }
        }
        // Of states with the same or more bits, keep only those with strictly less error.
        std::sort(next.begin(), next.end(), [](const State& a, const State& b) {
            return a.bits != b.bits ? a.bits < b.bits : a.error < b.error;
        });
        std::vector<State> kept;
        for (const State& state : next)
            if (kept.empty() || state.error < kept.back().error)
                kept.push_back(state);
        // The work limit: per layer, and over all layers (each state stays for the way
        // back). Beyond it keep the most promising states, and say so.
        const std::size_t share = std::max<std::size_t>(
            1,
            (limits.maxStatesTotal - std::min(limits.maxStatesTotal, statesKept)) / (layers - k));
        const std::size_t allowed = std::min(limits.maxStatesPerLayer, share);
        if (kept.size() > allowed) {
            truncated = true;
            std::nth_element(kept.begin(), kept.begin() + long(allowed), kept.end(),
                             [&](const State& a, const State& b) {
                                 return a.error + rest.bound(budgetBits - a.bits) <
                                        b.error + rest.bound(budgetBits - b.bits);
                             });
            kept.resize(allowed);
        }
        statesKept += kept.size();
        plan.statesVisited += kept.size();
        states[k + 1] = std::move(kept);
    }

    // The best final state, or the incumbent when nothing beat it.
    std::vector<std::size_t> positions(layers);
    const auto& last = states[layers];
    const auto best = std::min_element(
        last.begin(), last.end(), [](const State& a, const State& b) { return a.error < b.error; });
    if (best != last.end() && best->error < incumbent) {
        std::uint32_t index = std::uint32_t(best - last.begin());
        for (std::size_t k = layers; k-- > 0;) {
            const State& state = states[k + 1][index];
            positions[order[k]] = state.pick;
            index = state.parent;
        }
    } else {
        positions = greedy;
    }
    plan.choice.resize(layers);
    for (std::size_t l = 0; l < layers; ++l) {
        const Choice& c = fronts[l][positions[l]];
        plan.choice[l] = c.option;
        plan.bits += c.bits;
        plan.squaredError += c.error;
    }
    plan.sqnrDb = plan.squaredError == 0 ? std::numeric_limits<double>::infinity()
                                         : 10.0 * std::log10(signal / plan.squaredError);
    plan.provenOptimal = !truncated;
    if (plan.provenOptimal)
        plan.lowerBound = plan.squaredError;
    return plan;
}

} // namespace qs
