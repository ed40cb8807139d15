# Every selected scenario in one table (results/summary.csv), with objective and capacities
# plotted against the swept values. Part of `rule all`, with or without sweeps.


rule summarise:
    input:
        statuses=expand(rules.solve_model.output.status, scenario=selected_scenarios()),
        costs=expand(
            rules.postprocess.output.costs_by_class, scenario=selected_scenarios()
        ),
        results=expand(rules.postprocess.output.results, scenario=selected_scenarios()),
    output:
        table="results/summary.csv",
        objective=report(
            "results/summary/objective.png",
            caption="../workflow/report/summary.rst",
            category="all scenarios",
            labels={"figure": "objective against swept values"},
        ),
        capacities=report(
            "results/summary/capacities.png",
            caption="../workflow/report/summary.rst",
            category="all scenarios",
            labels={"figure": "capacities against swept values"},
        ),
    log:
        "logs/summarise.log",
    benchmark:
        "benchmarks/summarise.tsv"
    localrule: True
    conda:
        "../envs/environment.yaml"
    threads: 1
    resources:
        mem_mb=lambda wc, attempt: 2000 * attempt,
        runtime=lambda wc, attempt: 10 * attempt,
    params:
        scenarios=selected_scenarios(),
        swept=swept_values(selected_scenarios()),
        code=code_hash("scripts/summarise.py"),
    script:
        "../scripts/summarise.py"
