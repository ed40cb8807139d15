"""User math files: a new parameter and constraint, and replacing `balance_conversion`'s
equations by name (the urban example's CHP math), loaded through `config.init.math_paths` and
`extra_math`.

Components: `balance_conversion` (replaced), user constraint `link_chp_outputs`.
"""

from __future__ import annotations

import pytest
from math_models import demand, model_definition, objective, solve_model, supply, values

CHP_MATH = """
parameters:
  heat_to_power_ratio:
    default: 1
    description: Heat put out per unit of electricity put out by a CHP.

constraints:
  link_chp_outputs:
    description: A CHP's heat output is a fixed multiple of its electricity output.
    foreach: [nodes, techs, timesteps]
    where: "[chp] in techs"
    equations:
      - expression: flow_out[carriers=electricity] * heat_to_power_ratio == flow_out[carriers=heat]

  balance_conversion:
    equations:
      - where: "NOT [chp] in techs"
        expression: sum(flow_out_inc_eff, over=carriers) == sum(flow_in_inc_eff, over=carriers)
      - where: "[chp] in techs"
        expression: flow_out_inc_eff[carriers=electricity] == sum(flow_in_inc_eff, over=carriers)
"""


def chp_model(with_user_math: bool) -> dict:
    techs = {
        "gas_supply": supply("gas", cost_per_unit=1),
        "chp": {
            "base_tech": "conversion",
            "carrier_in": "gas",
            "carrier_out": ["electricity", "heat"],
            "flow_out_eff": 0.4,
            "heat_to_power_ratio": 0.8,
        },
        "boiler": {
            "base_tech": "conversion",
            "carrier_in": "gas",
            "carrier_out": "heat",
            "flow_out_eff": 0.5,
        },
        "elec_demand": demand("electricity", 2, 2),
        "heat_demand": demand("heat", 2, 2),
    }
    if not with_user_math:  # the ratio is only a parameter once the user math declares it
        del techs["chp"]["heat_to_power_ratio"]
        return model_definition(techs)
    init = {"math_paths": {"chp_math": "chp_math.yaml"}, "extra_math": ["chp_math"]}
    return model_definition(techs, config={"init": init})


def test_user_math_replaces_balance_conversion_and_adds_a_constraint(tmp_path):
    # With the user math: chp gas = elec / 0.4 = 5 per step, heat = 0.8 × 2 = 1.6; the boiler
    # makes the other 0.4 heat from 0.4 / 0.5 = 0.8 gas. Gas 5.8 per step → 11.6.
    model = solve_model(tmp_path, chp_model(True), files={"chp_math.yaml": CHP_MATH})
    assert objective(model) == pytest.approx(11.6)
    assert values(model, "flow_out", techs="chp", carriers="heat") == pytest.approx([1.6, 1.6])
    assert values(model, "flow_in", techs="chp", carriers="gas") == pytest.approx([5, 5])


def test_base_math_alone_lets_the_chp_choose_its_mix(tmp_path):
    # Base math only ties Σ out/eff to gas: heat from the chp costs 1/0.4 = 2.5 gas per unit,
    # from the boiler 2. Electricity 2 needs 5 gas; heat 2 from the boiler needs 4 → 9 per step
    # → 18.
    model = solve_model(tmp_path, chp_model(False))
    assert objective(model) == pytest.approx(18)
    assert values(model, "flow_out", techs="chp", carriers="heat") == pytest.approx([0, 0])
