// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {CampaignEscrow} from "contracts/CampaignEscrow.sol";
import {EscrowHandler} from "./EscrowHandler.sol";

/// @title The invariant handler can reach every escrow action
/// @notice A scripted sequence through {EscrowHandler} in which every escrow call succeeds at
/// least once, so a handler broken by an interface change cannot pass the invariant campaign
/// by reverting quietly.
contract EscrowHandlerPaths {
    function test_everyEscrowActionSucceedsOnAScriptedPath() public {
        EscrowHandler h = new EscrowHandler();
        CampaignEscrow escrow = h.escrow();
        h.fund(0, 999_999);
        h.commit(0, 1);
        h.commit(0, 2);
        h.mature(0, 1); // waits out the newest root's window
        h.payout(0, 1);
        h.commit(0, 3);
        h.challenge(0, 0, 4); // the advertiser
        h.resolve(0, false);
        h.challenge(0, 0, 0); // publisher 0, with its leaf
        h.expire(0, 0); // waits for the resolution deadline
        h.withdrawFees();
        h.toggleCampaignPause(0, 0);
        h.toggleCampaignPause(0, 0);
        h.endCampaign(0, 0);
        h.refund(0, 8); // waits for the claim period too
        h.donate(5);
        h.globalPauseProbe(1, 1);

        bytes4[12] memory actions = [
            escrow.fund.selector,
            escrow.commitSettlement.selector,
            escrow.matureSettlement.selector,
            escrow.payout.selector,
            escrow.challenge.selector,
            escrow.resolveChallenge.selector,
            escrow.expireChallenge.selector,
            escrow.pauseCampaign.selector,
            escrow.unpauseCampaign.selector,
            escrow.endCampaign.selector,
            escrow.refund.selector,
            escrow.withdrawFees.selector
        ];
        for (uint256 i; i < actions.length; ++i) {
            require(h.successes(actions[i]) > 0, "an escrow action never succeeded on the scripted path");
        }
        require(h.refunds() > 0 && h.payouts() > 0, "nothing was paid or refunded");
        require(!h.closedCampaignMovedMoney() && !h.pausedEscrowMovedMoney(), "a closed or paused escrow moved money");
    }
}
