// context.cpp — the context tree (Go: context/context.go's cancelCtx, timerCtx, valueCtx).
//
// Design
//   One node type for all derived contexts. A node is *cancelable* (with_cancel/with_deadline:
//   it owns a done channel, an error and a set of children) or a *value* node (with_value: a
//   key and a value, and nothing to cancel). Every node caches `canceler`, the nearest
//   cancelable node on its path to the root (itself if cancelable; nullptr under background), so
//   done() and err() on a deep chain of values are O(1), and `deadline`, the earliest deadline
//   on the path. Value lookups walk the chain, as in Go (chains are short; a map per node would
//   cost more than it saves).
//
// Ownership: a child holds its parent (shared_ptr), so a node's ancestors outlive it and the
//   raw `canceler` pointers stay valid. A cancelable parent holds its cancelable descendants
//   (the nearest ones: grandchildren under a value node register with the nearest cancelable
//   ancestor) until they are cancelled, exactly like Go's children map: forgetting to call
//   cancel keeps a child alive until its parent is cancelled. Each child knows its slot in the
//   parent's vector, so deregistration is O(1) (swap with the last).
//
// Invariants (under the node's goro::Mutex `mu`)
//   * err is empty iff done is open; it is set once, then done is closed, then the children
//     are cancelled, all under mu (as in Go), so whoever sees err() set also sees every
//     descendant done. Locks are therefore taken parent before child; a node detaching itself
//     releases its own lock before taking its parent's, so no cycle can form.
//   * A deadline timer is an after_func whose callback holds only a weak reference, so a
//     pending timer never keeps a node alive; cancel stops it.
//
// Rejected: Go's lazily created done channel (an atomic.Value) — a channel is one small
// allocation and most cancelable contexts are waited on; a goroutine per derived context to
// propagate cancellation (Go does that only for foreign Context implementations).
#include "goro/context.hpp"

#include <string>
#include <vector>

#include "goro/sync.hpp"

namespace goro {
namespace {

class ContextCategory final : public std::error_category {
 public:
  const char* name() const noexcept override { return "context"; }
  std::string message(int value) const override {
    switch (static_cast<ContextErrc>(value)) {
      case ContextErrc::canceled:
        return "context canceled";
      case ContextErrc::deadline_exceeded:
        return "context deadline exceeded";
    }
    return "unknown context error";
  }
  // A deadline counts as a timeout, as Go's DeadlineExceeded answers Timeout() == true.
  std::error_condition default_error_condition(int value) const noexcept override {
    if (static_cast<ContextErrc>(value) == ContextErrc::deadline_exceeded)
      return std::make_error_condition(std::errc::timed_out);
    return {value, *this};
  }
};

}  // namespace

const std::error_category& context_category() noexcept {
  static const ContextCategory category;
  return category;
}

namespace detail {

struct ContextNode {
  std::shared_ptr<ContextNode> parent;
  ContextNode* canceler = nullptr;  // nearest cancelable node on the path to the root
  std::optional<Time> deadline;

  // Value nodes.
  const void* key = nullptr;
  std::shared_ptr<const void> value;

  // Cancelable nodes.
  Mutex mu;
  Chan<Unit> done;
  std::error_code err;                                 // guarded by mu
  std::vector<std::shared_ptr<ContextNode>> children;  // guarded by mu
  std::size_t slot_in_parent = 0;                      // guarded by canceler-of-parent's mu
  Timer deadline_timer;                                // guarded by mu

  static Context make_context(std::shared_ptr<ContextNode> node) {
    return Context(std::move(node));
  }
  static CancelFunc make_cancel(std::shared_ptr<ContextNode> node) {
    return CancelFunc(std::move(node));
  }
  static const std::shared_ptr<ContextNode>& of(const Context& ctx) { return ctx.node_; }

  // A new node below `parent_ctx`; cancelable ones get their own done channel.
  static std::shared_ptr<ContextNode> derive(const Context& parent_ctx, bool cancelable) {
    auto node = std::make_shared<ContextNode>();
    node->parent = parent_ctx.node_;
    if (node->parent != nullptr) {
      node->canceler = node->parent->canceler;
      node->deadline = node->parent->deadline;
    }
    if (cancelable) {
      node->canceler = node.get();
      node->done = Chan<Unit>(0);
    }
    return node;
  }

  // The nearest cancelable ancestor strictly above this (cancelable) node.
  ContextNode* parent_canceler() const { return parent ? parent->canceler : nullptr; }

  // Registers a new cancelable node with its parent's canceler so that cancelling the parent
  // reaches it (Go: propagateCancel). If the parent is already done, the child is cancelled now.
  static void attach(const std::shared_ptr<ContextNode>& child) {
    ContextNode* p = child->parent_canceler();
    if (p == nullptr) return;  // background is never done
    std::error_code parent_err;
    {
      std::lock_guard lock(p->mu);
      parent_err = p->err;
      if (!parent_err) {
        child->slot_in_parent = p->children.size();
        p->children.push_back(child);
      }
    }
    if (parent_err) cancel(child.get(), false, parent_err);
  }

  void detach_from_parent() {
    ContextNode* p = parent_canceler();
    if (p == nullptr) return;
    std::lock_guard lock(p->mu);
    // A cancelled parent has already dropped its children (and may be cancelling us).
    if (slot_in_parent >= p->children.size() || p->children[slot_in_parent].get() != this) return;
    p->children[slot_in_parent] = std::move(p->children.back());
    p->children[slot_in_parent]->slot_in_parent = slot_in_parent;
    p->children.pop_back();
  }

  // Go: cancelCtx.cancel. REQUIRES: node is cancelable.
  static void cancel(ContextNode* node, bool remove_from_parent, std::error_code why) {
    Timer timer;
    {
      std::lock_guard lock(node->mu);
      if (node->err) return;  // already done
      node->err = why;
      node->done.close();
      for (const auto& child : node->children) cancel(child.get(), false, why);
      node->children.clear();
      timer = std::move(node->deadline_timer);
    }
    if (timer) timer.stop();
    if (remove_from_parent) node->detach_from_parent();
  }
};

}  // namespace detail

using detail::ContextNode;

Chan<Unit> Context::done() const {
  return node_ != nullptr && node_->canceler != nullptr ? node_->canceler->done : Chan<Unit>();
}

std::error_code Context::err() const {
  if (node_ == nullptr || node_->canceler == nullptr) return {};
  std::lock_guard lock(node_->canceler->mu);
  return node_->canceler->err;
}

std::optional<Time> Context::deadline() const {
  return node_ != nullptr ? node_->deadline : std::nullopt;
}

const void* Context::find_value(const void* key) const {
  for (const ContextNode* n = node_.get(); n != nullptr; n = n->parent.get()) {
    if (n->key == key) return n->value.get();
  }
  return nullptr;
}

void CancelFunc::operator()() const {
  if (node_ != nullptr) ContextNode::cancel(node_.get(), true, ContextErrc::canceled);
}

WithCancel with_cancel(const Context& parent) {
  auto node = ContextNode::derive(parent, true);
  ContextNode::attach(node);
  return {ContextNode::make_context(node), ContextNode::make_cancel(node)};
}

WithCancel with_deadline(const Context& parent, Time deadline) {
  if (std::optional<Time> inherited = parent.deadline(); inherited && *inherited <= deadline)
    return with_cancel(parent);  // the parent's earlier deadline governs
  auto node = ContextNode::derive(parent, true);
  node->deadline = deadline;
  ContextNode::attach(node);
  const Duration remaining = deadline - now();
  if (remaining <= Duration::zero()) {
    ContextNode::cancel(node.get(), true, ContextErrc::deadline_exceeded);
  } else {
    std::lock_guard lock(node->mu);
    if (!node->err) {
      node->deadline_timer = after_func(remaining, [weak = std::weak_ptr<ContextNode>(node)] {
        if (auto n = weak.lock())
          ContextNode::cancel(n.get(), true, ContextErrc::deadline_exceeded);
      });
    }
  }
  return {ContextNode::make_context(node), ContextNode::make_cancel(node)};
}

WithCancel with_timeout(const Context& parent, Duration timeout) {
  return with_deadline(parent, now() + timeout);
}

namespace detail {
Context with_value(const Context& parent, const void* key, std::shared_ptr<const void> value) {
  auto node = ContextNode::derive(parent, false);
  node->key = key;
  node->value = std::move(value);
  return ContextNode::make_context(node);
}
}  // namespace detail

}  // namespace goro
