# A scenario whose `model:` is a Calliope 0.6 file: convert it into results/{scenario}/converted/
# (esmflow convert-v06), and prepare_inputs reads the conversion (rules/common.smk, model_file).


rule convert_v06:
    input:
        model=configured_model,
        data=configured_model_data_files,
    output:
        model="results/{scenario}/converted/model.yaml",
        report="results/{scenario}/converted/conversion_report.md",
    log:
        "logs/{scenario}/convert_v06.log",
    benchmark:
        "benchmarks/{scenario}/convert_v06.tsv"
    group:
        "prep"
    conda:
        "../envs/environment.yaml"
    threads: 1
    resources:
        mem_mb=lambda wc, attempt: 2000 * attempt,
        runtime=lambda wc, attempt: 30 * attempt,
    params:
        code=code_hash("scripts/convert_v06.py"),
    script:
        "../scripts/convert_v06.py"
