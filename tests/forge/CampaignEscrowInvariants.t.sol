// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {CampaignEscrow} from "contracts/CampaignEscrow.sol";
import {ICampaignEscrow} from "contracts/interfaces/ICampaignEscrow.sol";
import {EscrowHandler} from "./EscrowHandler.sol";

/// @title CampaignEscrow invariants
/// @notice forge runs `foundry.toml`'s `invariant.runs` random sequences of {EscrowHandler}
/// actions and checks {invariant_escrow} after every call. One invariant function, so one
/// campaign of sequences checks all four properties (each with its own message).
contract CampaignEscrowInvariants {
    struct FuzzSelector {
        address addr;
        bytes4[] selectors;
    }

    EscrowHandler internal handler;
    CampaignEscrow internal escrow;
    IERC20 internal token;

    function setUp() public {
        handler = new EscrowHandler();
        escrow = handler.escrow();
        token = IERC20(address(handler.token()));
    }

    /// @dev Read by forge (forge-std's StdInvariant names): fuzz only the handler's actions.
    function targetSelectors() public view returns (FuzzSelector[] memory targets) {
        bytes4[] memory selectors = new bytes4[](24);
        selectors[0] = handler.fund.selector;
        selectors[1] = handler.commit.selector;
        selectors[2] = handler.commit.selector;
        selectors[3] = handler.commit.selector;
        selectors[4] = handler.mature.selector;
        selectors[5] = handler.mature.selector;
        selectors[6] = handler.mature.selector;
        selectors[7] = handler.payout.selector;
        selectors[8] = handler.payout.selector;
        selectors[9] = handler.payout.selector;
        selectors[10] = handler.warp.selector;
        selectors[11] = handler.warp.selector;
        selectors[12] = handler.challenge.selector;
        selectors[13] = handler.resolve.selector;
        selectors[14] = handler.resolve.selector;
        selectors[15] = handler.expire.selector;
        selectors[16] = handler.endCampaign.selector;
        selectors[17] = handler.toggleCampaignPause.selector;
        selectors[18] = handler.refund.selector;
        selectors[19] = handler.payout.selector;
        selectors[20] = handler.withdrawFees.selector;
        selectors[21] = handler.donate.selector;
        selectors[22] = handler.globalPauseProbe.selector;
        selectors[23] = handler.fund.selector;
        targets = new FuzzSelector[](1);
        targets[0] = FuzzSelector(address(handler), selectors);
    }

    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    function invariant_escrow() public view {
        _escrowCoversWhatItOwes();
        _noPublisherPaidAboveTheMaturedRoot();
        _settledWithinSpendWithinDeposit();
        _closedCampaignsNeverMoveMoney();
        require(!handler.frozenRootMatured(), "a challenged or discarded root matured");
        require(!handler.staleRevisionCommitted(), "a commit signed before a challenge discarded its base landed");
    }

    /// @dev balance >= deposits - payouts - fees withdrawn - refunds (anyone may send tokens in),
    /// and, stronger, balance covers every open campaign's remaining budget, unpaid earnings,
    /// pending fees and open bonds.
    function _escrowCoversWhatItOwes() internal view {
        uint256 balance = token.balanceOf(address(escrow));
        require(
            balance + handler.payouts() + handler.feesWithdrawn() + handler.refunds() >= handler.deposits(),
            "escrow balance below deposits - payouts - fees withdrawn - refunds"
        );
        uint256 owed;
        for (uint256 i; i < handler.CAMPAIGNS(); ++i) {
            uint256 id = handler.campaignId(i);
            ICampaignEscrow.Campaign memory c = escrow.campaign(id);
            if (!c.closed) owed += uint256(c.deposited) - c.settled + c.feesPending;
            owed += escrow.openChallenge(id).bond;
        }
        require(balance >= owed, "escrow balance below what it owes");
    }

    function _noPublisherPaidAboveTheMaturedRoot() internal view {
        for (uint256 i; i < handler.CAMPAIGNS(); ++i) {
            uint256 id = handler.campaignId(i);
            for (uint256 p; p < handler.PUBLISHERS(); ++p) {
                require(
                    escrow.settledOf(id, handler.publisher(p)) <= handler.maturedEarned(i, p),
                    "publisher paid above its earnings in the matured root"
                );
            }
        }
    }

    function _settledWithinSpendWithinDeposit() internal view {
        for (uint256 i; i < handler.CAMPAIGNS(); ++i) {
            ICampaignEscrow.Campaign memory c = escrow.campaign(handler.campaignId(i));
            require(handler.gross(i) == c.settled, "observed payouts + fees differ from the escrow's");
            require(c.settled <= c.cumulativeSpent, "payouts + fees above cumulativeSpent");
            require(c.cumulativeSpent <= c.deposited, "cumulativeSpent above the deposit");
        }
    }

    function _closedCampaignsNeverMoveMoney() internal view {
        require(!handler.closedCampaignMovedMoney(), "a call on a closed campaign moved tokens");
        require(!handler.pausedEscrowMovedMoney(), "a call on the paused escrow moved tokens");
        for (uint256 i; i < handler.CAMPAIGNS(); ++i) {
            if (escrow.campaign(handler.campaignId(i)).closed) {
                require(handler.closedStateUnchanged(i), "a closed campaign's money state changed");
            }
        }
    }
}
