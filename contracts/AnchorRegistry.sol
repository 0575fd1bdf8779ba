// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/// @title AnchorRegistry
/// @notice Public anchors of transparency-log roots (DESIGN A4). A log is named by the account that
///         registered it and its C2SP checkpoint origin line:
///         logId = keccak256(abi.encode(registrant, keccak256(bytes(origin)))), so nobody can take
///         another account's log ID by registering its origin first. Registration stores a commitment
///         to the log's verifier key (SHA-256 of the vkey text), which never changes afterwards.
///         The operator publishes (treeSize, root) pairs whose sizes strictly grow; anyone can
///         read them back. The root travels in the calldata of `anchor` and in the `Anchored`
///         event, so a transaction (or receipt) proof alone also proves it.
/// @dev Storage per anchor is one new slot (the root under its size) plus an update of the log's
///      packed (operator, latestSize) slot, so the cost of `anchor` does not depend on the size.
contract AnchorRegistry {
    /// @dev operator (160 bits) and latestSize (64 bits) share one slot. operator == 0 means the
    ///      log was never registered: msg.sender is never address(0) and transferOperator refuses
    ///      it, so a registered log always has an operator.
    struct Log {
        address operator;
        uint64 latestSize;
    }

    mapping(bytes32 logId => Log) private logs;
    /// @dev Set once at registration, never zero for a registered log (registerLog refuses zero).
    mapping(bytes32 logId => bytes32 keyCommitment) private keyCommitments;
    mapping(bytes32 logId => mapping(uint64 treeSize => bytes32 root)) private roots;

    /// @notice A log was registered; `operator` may anchor it from now on. `keyCommitment` is the
    ///         SHA-256 of the log's verifier key (vkey) text.
    event LogRegistered(bytes32 indexed logId, address indexed operator, string origin, bytes32 keyCommitment);

    /// @notice The operator of `logId` anchored `root` as the root of the tree of `treeSize` leaves.
    event Anchored(bytes32 indexed logId, uint64 indexed treeSize, bytes32 root);

    /// @notice The operator of `logId` handed the log to `next`.
    event OperatorTransferred(bytes32 indexed logId, address indexed previous, address indexed next);

    /// @notice The log is already registered (by this same account: the ID holds the registrant).
    error LogExists(bytes32 logId);
    /// @notice The log was never registered.
    error UnknownLog(bytes32 logId);
    /// @notice Only the log's operator may do this.
    error NotOperator(bytes32 logId, address caller);
    /// @notice Tree sizes must strictly grow: `given` is not above the last anchored size `last`.
    error SizeNotIncreasing(uint64 last, uint64 given);
    /// @notice A zero root is refused: rootAt returns zero for "never anchored", so a zero root
    ///         could not be told apart from no anchor at all.
    error ZeroRoot();
    /// @notice A zero key commitment is refused: keyCommitmentOf returns zero for "not registered".
    error ZeroKeyCommitment();
    /// @notice Transferring to address(0) is refused: it would freeze the log forever, and a zero
    ///         operator means "not registered" here.
    error ZeroOperator();

    /// @notice Registers the log named `origin` under the caller's namespace; the caller becomes its operator.
    /// @param origin The log's checkpoint origin line, e.g. "anchor.example.com/log".
    /// @param keyCommitment SHA-256 of the log's verifier key text (the vkey), as UTF-8.
    /// @return logId keccak256(abi.encode(msg.sender, keccak256(bytes(origin)))).
    function registerLog(string calldata origin, bytes32 keyCommitment) external returns (bytes32 logId) {
        if (keyCommitment == bytes32(0)) revert ZeroKeyCommitment();
        logId = logIdOf(msg.sender, origin);
        if (logs[logId].operator != address(0)) revert LogExists(logId);
        logs[logId].operator = msg.sender;
        keyCommitments[logId] = keyCommitment;
        emit LogRegistered(logId, msg.sender, origin, keyCommitment);
    }

    /// @notice Hands the log to `next`, who alone may anchor it from then on.
    /// @param logId The log.
    /// @param next The new operator; must not be address(0).
    function transferOperator(bytes32 logId, address next) external {
        address current = logs[logId].operator;
        if (current == address(0)) revert UnknownLog(logId);
        if (msg.sender != current) revert NotOperator(logId, msg.sender);
        if (next == address(0)) revert ZeroOperator();
        logs[logId].operator = next;
        emit OperatorTransferred(logId, current, next);
    }

    /// @notice Anchors `root` as the root of the log's tree of `treeSize` leaves.
    /// @dev Operator only; `treeSize` must exceed the last anchored size (so size 0, the empty
    ///      tree, is never anchored), and `root` must not be zero.
    /// @param logId The log.
    /// @param treeSize The checkpoint's tree size.
    /// @param root The checkpoint's RFC 9162 root hash.
    function anchor(bytes32 logId, uint64 treeSize, bytes32 root) external {
        Log memory log = logs[logId];
        if (log.operator == address(0)) revert UnknownLog(logId);
        if (msg.sender != log.operator) revert NotOperator(logId, msg.sender);
        if (treeSize <= log.latestSize) revert SizeNotIncreasing(log.latestSize, treeSize);
        if (root == bytes32(0)) revert ZeroRoot();
        logs[logId].latestSize = treeSize;
        roots[logId][treeSize] = root;
        emit Anchored(logId, treeSize, root);
    }

    /// @notice The root anchored for `treeSize`, or zero when that size was never anchored.
    /// @param logId The log.
    /// @param treeSize The tree size.
    /// @return The anchored root, or bytes32(0).
    function rootAt(bytes32 logId, uint64 treeSize) external view returns (bytes32) {
        return roots[logId][treeSize];
    }

    /// @notice The newest anchor of the log; (0, 0) when it was never anchored.
    /// @param logId The log.
    /// @return treeSize The largest anchored size.
    /// @return root Its root.
    function latest(bytes32 logId) external view returns (uint64 treeSize, bytes32 root) {
        treeSize = logs[logId].latestSize;
        root = roots[logId][treeSize];
    }

    /// @notice The current operator of the log, or address(0) when it is not registered.
    /// @param logId The log.
    /// @return The operator.
    function operatorOf(bytes32 logId) external view returns (address) {
        return logs[logId].operator;
    }

    /// @notice The key commitment stored at registration, or zero when the log is not registered.
    /// @param logId The log.
    /// @return SHA-256 of the log's verifier key text.
    function keyCommitmentOf(bytes32 logId) external view returns (bytes32) {
        return keyCommitments[logId];
    }

    /// @notice The ID `registrant` gets when it registers `origin`: lets anyone recompute a log ID with eth_call alone.
    /// @param registrant The account that registers (or registered) the log.
    /// @param origin The log's checkpoint origin line.
    /// @return keccak256(abi.encode(registrant, keccak256(bytes(origin)))).
    function logIdOf(address registrant, string calldata origin) public pure returns (bytes32) {
        return keccak256(abi.encode(registrant, keccak256(bytes(origin))));
    }
}
