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

// The linear relaxation of the layers from some position on: their cheapest options, then
// hull upgrades by decreasing error saved per bit, the last one taken in part.
class RelaxationBound {
public:
    RelaxationBound(const std::vector<std::vector<Choice>>& fronts,
                    const std::vector<std::size_t>& layers)
    {
        std::vector<Upgrade> upgrades;
        for (std::size_t layer : layers) {
            baseBits_ += fronts[layer].front().bits;
            baseError_ += fronts[layer].front().error;
            const auto own = hullUpgrades(fronts[layer]);
            upgrades.insert(upgrades.end(), own.begin(), own.end());
        }
        std::sort(upgrades.begin(), upgrades.end(),
                  [](const Upgrade& a, const Upgrade& b) { return a.rate() > b.rate(); });
        bitsPrefix_.push_back(0);
        gainPrefix_.push_back(0);
        for (const Upgrade& u : upgrades) {
            bitsPrefix_.push_back(bitsPrefix_.back() + u.bits);
            gainPrefix_.push_back(gainPrefix_.back() + u.gain);
            rates_.push_back(u.rate());
        }
    }
    double minimumBits() const { return baseBits_; }
    // The least error these layers can reach with `bits` (infinity when too few).
    double bound(double bits) const
    {
        const double spare = bits - baseBits_;
        if (spare < 0)
            return std::numeric_limits<double>::infinity();
        const std::size_t whole = std::upper_bound(bitsPrefix_.begin(), bitsPrefix_.end(), spare) -
                                  bitsPrefix_.begin() - 1;
        double gain = gainPrefix_[whole];
        if (whole < rates_.size())
            gain += (spare - bitsPrefix_[whole]) * rates_[whole];
        return std::max(0.0, baseError_ - gain);
    }

private:
    double baseBits_ = 0;
    double baseError_ = 0;
    std::vector<double> bitsPrefix_;
    std::vector<double> gainPrefix_;
    std::vector<double> rates_;
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
    // The relaxation of the layers order[k..], built as k advances (all at once would
    // take memory quadratic in the layers).
    const auto suffixBound = [&](std::size_t k) {
        return RelaxationBound(fronts,
                               std::vector<std::size_t>(order.begin() + long(k), order.end()));
    };
    const RelaxationBound whole = suffixBound(0);
    if (whole.minimumBits() > budgetBits)
        throw UsageError("the budget is below the smallest plan (" +
                         std::to_string(whole.minimumBits() / 8.0 / 1e6) + " MB)");

    MixedPlan plan;
    plan.signal = signal;
    plan.lowerBound = whole.bound(budgetBits);
    const std::vector<std::size_t> greedy = greedyPositions(fronts, budgetBits);
    double incumbent = 0;
    for (std::size_t l = 0; l < layers; ++l)
        incumbent += fronts[l][greedy[l]].error;
    // Pruning keeps a state only if it can beat the incumbent by more than rounding.
    const auto canBeat = [&](double reachable) {
        return reachable < incumbent * (1 - 1e-12);
    };

    std::vector<std::vector<State>> states(layers + 1);
    states[0].push_back({0, 0, 0, 0});
    bool truncated = false;
    for (std::size_t k = 0; k < layers; ++k) {
        const auto& front = fronts[order[k]];
        const RelaxationBound rest = suffixBound(k + 1);
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
        if (kept.size() > limits.maxStatesPerLayer) {
            // Beyond the work limit: keep the most promising, and say so.
            truncated = true;
            std::nth_element(kept.begin(), kept.begin() + long(limits.maxStatesPerLayer),
                             kept.end(), [&](const State& a, const State& b) {
                                 return a.error + rest.bound(budgetBits - a.bits) <
                                        b.error + rest.bound(budgetBits - b.bits);
                             });
            kept.resize(limits.maxStatesPerLayer);
        }
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
